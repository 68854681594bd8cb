#!/usr/bin/env bash
# Regenerates eng/sdk-feed/distri.sdk.1.0.0.nupkg from eng/sdk-shim/. The package is committed so a
# fresh clone resolves <Project Sdk="Distri.Sdk"> offline; it only forwards to sdk/Sdk/, so it needs
# regenerating only when the shim itself changes (then bump the version here and in global.json).
# Zip entries get a fixed order and timestamp, so the output is byte-identical run to run.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p sdk-feed
python3 - <<'PY'
import zipfile
files = ["Distri.Sdk.nuspec", "Sdk/Sdk.props", "Sdk/Sdk.targets"]
with zipfile.ZipFile("sdk-feed/distri.sdk.1.0.0.nupkg", "w", zipfile.ZIP_DEFLATED) as z:
    for f in files:
        info = zipfile.ZipInfo(f, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open("sdk-shim/" + f, "rb") as src:
            z.writestr(info, src.read())
PY
echo "wrote eng/sdk-feed/distri.sdk.1.0.0.nupkg"
