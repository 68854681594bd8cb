#!/usr/bin/env bash
# How well `dotnet build build.proj` uses MSBuild's nodes, without building anything real: the
# distribution's real dependency graph (every ProjectReference of pkgs/*/*.distpkg, the toolchain's
# included) with each package's build replaced by a sleep of its measured time / SCALE
# (times.tsv: the fourth pass of docs/toolchain.md, seconds), built on the seed toolchain.
# Side by side in one run: -m:1 (one package at a time, the floor any schedule beats) and -m:2
# (what build.proj does on this 2-core machine), each against the graph's critical path.
# Usage: bench/schedule/run.sh [SCALE=40]   (as root; builds pkgs/seed first if it is missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
scale=${1:-40}
here=bench/schedule
work=$(mktemp -d /tmp/distri-bench-schedule.XXXXXX)
trap 'rm -rf "$work"' EXIT
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DistriSkipPrereqs=true

ls artifacts/repo/pkg/seed-amd64-*.meta.yaml >/dev/null 2>&1 || dotnet build pkgs/seed -nologo -v:q
dotnet build build.proj -t:BuildTools -p:DistriSkipCli=true -nologo -v:q >/dev/null

echo "== the graph (evaluating $(ls pkgs/*/*.distpkg | wc -l) definitions)"
toolchain=()
for definition in pkgs/*/*.distpkg; do
  name=$(basename "$definition" .distpkg)
  grep -q '<DistriToolchain>' "$definition" && toolchain+=("$name")
  refs=$(dotnet msbuild "$definition" -getItem:ProjectReference 2>/dev/null \
    | python3 -c 'import json, os, sys; print(" ".join(sorted({os.path.basename(os.path.dirname(i["Identity"])) for i in json.load(sys.stdin)["Items"]["ProjectReference"]})))')
  echo "$name: $refs"
done > "$work/graph"
python3 "$here/model.py" generate "$work/graph" "$here/times.tsv" "$scale" "$work" "$(IFS=,; echo "${toolchain[*]}")"
# The definitions live outside the tree: they find the SDK as the SDK tests' fixtures do.
echo '{ "msbuild-sdks": { "Distri.Sdk": "1.0.0" } }' > "$work/global.json"
cat > "$work/NuGet.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><add key="distri-sdk" value="$root/eng/sdk-feed" /></packageSources></configuration>
CONFIG

for nodes in 1 2; do
  rm -rf "$work/artifacts"
  dotnet build build.proj -m:$nodes -nologo -v:q -p:DistriSkipCli=true -p:DistriSkipTasksBuild=true -p:DistriRepositoryRoot="$root" \
    -p:DistriPackagesDir="$work/pkgs/" -p:DistriArtifactsDir="$work/artifacts/" \
    "-p:DistriToolchain=seed;DistriToolchainRepositoryDir=$root/artifacts/repo/pkg/" > "$work/build-$nodes.log" 2>&1 \
    || { tail -30 "$work/build-$nodes.log"; exit 1; }
  python3 "$here/model.py" report "$work/graph" "$here/times.tsv" "$scale" "$work/artifacts/logs" "-m:$nodes"
done
