#!/usr/bin/env bash
# Build-environment set-up time for a 50-package closure, as ratios to a bare bubblewrap start in
# the same run: from the start of the prepare step to the first build command running inside the
# sandbox. The timing runs in process (SetupTime/, the same BuildView client StartBuildEnvironment
# uses), interleaved per round:
#   bare       `sh env/sandbox.sh -- sh -c 'test …'` with an empty /ro (bubblewrap alone)
#   warm       the view daemon runs: register the view (socket round trip + mount), first command
#   cold       no daemon: start `distri fuse --views`, register, first command
#   per-build  what builds did before: start `distri fuse --pkgs … --extra-dir …`, "ready", first command
# Also compares the two namespace tools on an equivalent mount tree.
# Usage: bench/buildenv/run.sh [packages=50] [runs=10]   (as root; needs /dev/fuse and bwrap)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-50}
RUNS=${2:-10}

# DISTRI="dotnet path/distri.dll" overrides; the published single-file one is what builds use
# (dotnet build build.proj -t:BuildTools -p:DistriSkipPrereqs=true publishes it).
if [ -n "${DISTRI:-}" ]; then
  read -r -a DISTRI <<< "$DISTRI"
elif [ -x artifacts/bin/distri ]; then
  DISTRI=("$PWD/artifacts/bin/distri")
else
  echo "artifacts/bin/distri is missing: dotnet build build.proj -t:BuildTools -p:DistriSkipPrereqs=true" >&2
  exit 1
fi
dotnet build bench/buildenv/SetupTime -c Release -nologo -v:q >/dev/null

work=$(mktemp -d /tmp/distri-bench-buildenv.XXXXXX)
cleanup() {
  # The daemon exits after its idle period anyway; the bench leaves none behind.
  if [ -f "$work/views/daemon.pid" ]; then kill "$(cat "$work/views/daemon.pid")" 2>/dev/null || true; sleep 0.5; fi
  umount -l "$work/env/ro" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 50 packages shaped like real ones: a program, a shared library, a header, a pkg-config file.
store="$work/store"; mkdir -p "$store"
for i in $(seq -w 1 "$N"); do
  full="synth$i-amd64-1.$i-1"
  root="$work/trees/$full"
  mkdir -p "$root/out/bin" "$root/out/lib/pkgconfig" "$root/out/include"
  printf '#!/bin/sh\necho %s\n' "$full" > "$root/out/bin/synth$i"; chmod 755 "$root/out/bin/synth$i"
  head -c 65536 /dev/urandom > "$root/out/lib/libsynth$i.so.1"
  ln -s "libsynth$i.so.1" "$root/out/lib/libsynth$i.so"
  printf 'int synth%s(void);\n' "$i" > "$root/out/include/synth$i.h"
  printf 'Name: synth%s\nVersion: 1\nDescription: synthetic\nLibs: -lsynth%s\n' "$i" "$i" > "$root/out/lib/pkgconfig/synth$i.pc"
  "${DISTRI[@]}" mkimage --mtime 0 "$root" "$store/$full.squashfs" >/dev/null
  printf 'name: synth%s\narch: amd64\nversion: 1.%s\nrevision: 1\n' "$i" "$i" > "$store/$full.meta.yaml"
done

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/buildenv/SetupTime/bin/Release/net10.0/SetupTime.dll "$store" "$work" "$RUNS" "${DISTRI[@]}"

# bubblewrap vs unshare for the sandbox itself (the same binds; no fuse involved).
if command -v hyperfine >/dev/null; then
  mkdir -p "$work/dest" "$work/src"
  spec_only="$work/only.json"
  # The host's /usr stands in for a toolchain: the sandbox shows nothing of the host otherwise, not even `true`.
  printf '{ "self": "bench-amd64-1-1", "destination": "%s", "writable": ["%s"], "readOnly": { "/usr": "/usr" },
    "symlinks": { "/bin": "usr/bin", "/lib": "usr/lib", "/lib64": "usr/lib64" } }\n' "$work/dest" "$work/src" > "$spec_only"
  # Run from the bound source directory: bwrap changes into the working directory inside.
  mapfile -t bw < <(cd "$work/src" && "${DISTRI[@]}" sandbox --spec "$spec_only" --dry-run -- true | xargs -n1 printf '%s\n')
  hyperfine -N --warmup 3 --runs 30 \
    -n bwrap "${bw[*]}" \
    -n "unshare+mount" "unshare -m -n -i -u -p -f --mount-proc=/proc sh -c 'mount --make-rprivate / && mount -t tmpfs none /mnt && mount --bind $work/dest /mnt && mount -o remount,bind,ro /mnt && exec true'" \
    2>&1 | grep -E "Time|±|bwrap|unshare" || true
fi
