#!/usr/bin/env bash
# The README's test command: installs host prerequisites (as root), builds, runs every test
# project, and prints one plain summary line ("N passed, N failed, N skipped").
set -uo pipefail
cd "$(dirname "$0")/.."
bash eng/install-prereqs.sh || exit 1
results=artifacts/test-results
rm -rf "$results"
dotnet test distri.slnx --logger "trx" --results-directory "$results" "$@"
status=$?
python3 - "$results" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
