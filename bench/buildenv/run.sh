#!/usr/bin/env bash
# Build-environment set-up time for a 50-package closure: from the start of the prepare step to
# the first build command running inside the sandbox. Does what StartBuildEnvironment and the
# first DistriExec step do (start `distri fuse --pkgs <closure> --extra-dir <self>`, wait for
# "ready", then `bwrap --args 3 3<env/bwrap.args -- …`), on 50 synthetic packages written with our
# image writer. Also compares the two namespace tools on an equivalent mount tree.
# Usage: bench/buildenv/run.sh [packages=50] [runs=10]   (as root; needs /dev/fuse and bwrap)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-50}
RUNS=${2:-10}

# DISTRI="dotnet path/distri.dll" overrides; the published single-file one is what builds use.
if [ -n "${DISTRI:-}" ]; then
  read -r -a DISTRI <<< "$DISTRI"
elif [ -x artifacts/bin/distri ]; then
  DISTRI=(artifacts/bin/distri)
else
  dotnet build runtime/Cli -nologo -v:q >/dev/null
  DISTRI=(dotnet runtime/Cli/bin/Debug/net10.0/distri.dll)
fi

work=$(mktemp -d /tmp/distri-bench-buildenv.XXXXXX)
mnt="$work/env/ro"
cleanup() {
  if [ -n "${daemon:-}" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  fusermount3 -uz "$mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 50 packages shaped like real ones: a program, a shared library, a header, a pkg-config file.
store="$work/store"; mkdir -p "$store" "$work/env" "$mnt" "$work/src" "$work/dest"
pkgs=()
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
  pkgs+=("$full")
done
closure=$(IFS=,; echo "${pkgs[*]}")
self="bench-amd64-1-1"

# The spec StartBuildEnvironment writes (abridged: the LDFLAGS rpaths do not change the timing).
cat > "$work/env/sandbox.json" <<JSON
{ "view": "$mnt", "self": "$self", "destination": "$work/dest", "writable": ["$work/src"],
  "environment": { "PATH": "/ro/bin:/usr/bin:/bin", "CPATH": "/ro/include", "LIBRARY_PATH": "/ro/lib" } }
JSON

# What the prepare task also writes: the same sandbox as a NUL-separated bubblewrap argument list,
# which each build step passes to `bwrap --args 3` (no .NET start per step).
"${DISTRI[@]}" sandbox --spec "$work/env/sandbox.json" --dry-run -- true \
  | python3 -c 'import shlex,sys; a=shlex.split(sys.stdin.read())[1:]; a=a[:a.index("--chdir")]; sys.stdout.write("".join(x+"\0" for x in a))' \
  > "$work/env/bwrap.args"

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
setup=(); ready=()
for run in $(seq 1 "$RUNS"); do
  : > "$work/env/fuse.log"   # before the start: the child's own truncation races with our grep
  t0=$(now)
  "${DISTRI[@]}" fuse --store "$store" --pkgs "$closure" --extra-dir "$self" "$mnt" > "$work/env/fuse.log" 2>&1 &
  daemon=$!
  until grep -qx ready "$work/env/fuse.log" 2>/dev/null; do
    kill -0 "$daemon" 2>/dev/null || { cat "$work/env/fuse.log"; exit 1; }
    sleep 0.001
  done
  t1=$(now)
  (cd "$work/src" && bwrap --args 3 3<"$work/env/bwrap.args" -- sh -c "test -e /ro/lib/lib${pkgs[0]%%-*}.so.1 && test -d /ro/$self") \
    || { echo "the sandbox did not see the view:" >&2; ls "$mnt" >&2; cat "$work/env/fuse.log" >&2; exit 1; }
  t2=$(now)
  ready+=("$(ms "$t0" "$t1")"); setup+=("$(ms "$t0" "$t2")")
  kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
  while grep -q " $mnt " /proc/mounts; do sleep 0.01; done
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "closure: $N packages, $RUNS runs, distri = ${DISTRI[*]}"
echo "view ready (fuse daemon start → \"ready\"):        median $(median "${ready[@]}") ms  [${ready[*]}]"
echo "set-up time (prepare start → first command ran):  median $(median "${setup[@]}") ms  [${setup[*]}]"

# bubblewrap vs unshare for the sandbox itself (the same binds; no fuse involved).
spec_only="$work/only.json"
printf '{ "self": "%s", "destination": "%s", "writable": ["%s"] }\n' "$self" "$work/dest" "$work/src" > "$spec_only"
mapfile -t bw < <("${DISTRI[@]}" sandbox --spec "$spec_only" --dry-run -- true | xargs -n1 printf '%s\n')
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 \
    -n bwrap "${bw[*]}" \
    -n "unshare+mount" "unshare -m -n -i -u -p -f --mount-proc=/proc sh -c 'mount --make-rprivate / && mount -t tmpfs none /mnt && mount --bind $work/dest /mnt && mount -o remount,bind,ro /mnt && exec true'" \
    2>&1 | grep -E "Time|±|bwrap|unshare" || true
fi
