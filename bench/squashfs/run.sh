#!/usr/bin/env bash
# SquashFS benchmark: distri mkimage vs mksquashfs (same uncompressed, fragment-free settings) on one
# generated tree of >= 1 GB, then read throughput of our reader (distri cat) vs the kernel mount of
# the same image. Prints wall times and ratios. Needs root for the kernel mount (done in a private
# mount namespace). Not a test: run by hand, on a quiet machine.
#
#   bench/squashfs/run.sh [WORK_DIR]        (default /var/tmp/distri-bench-squashfs; the tree is kept)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/var/tmp/distri-bench-squashfs}
tree=$work/tree
runs=${RUNS:-3}
mkdir -p "$work"

# --- the tree: 4 x 200 MiB, 200 x 2 MiB, 20 000 x 4 KiB, plus nested dirs (about 1.3 GB) ---
if [[ ! -f $work/tree.done ]]; then
  echo "generating $tree ..."
  rm -rf "$tree"; mkdir -p "$tree/big" "$tree/medium" "$tree/small"
  seed=$work/seed; head -c $((200 << 20)) /dev/urandom > "$seed"
  for i in 1 2 3 4; do { printf 'big %d\n' "$i"; cat "$seed"; } > "$tree/big/file-$i"; done
  for i in $(seq 1 200); do { printf 'medium %d\n' "$i"; head -c $((2 << 20)) "$seed"; } > "$tree/medium/file-$i"; done
  for d in $(seq 1 100); do
    mkdir -p "$tree/small/d$d/sub"
    for i in $(seq 1 200); do printf '%4096d' "$i" > "$tree/small/d$d/sub/f$i"; done
  done
  rm -f "$seed"; touch "$work/tree.done"
fi
size=$(du -sb "$tree" | cut -f1)

# --- the distri binary: the published one if there, else a Release build ---
if [[ -x artifacts/bin/distri ]]; then distri=(artifacts/bin/distri)
else
  dotnet build runtime/Cli -c Release -v q -nologo -p:DistriSkipPrereqs=true >/dev/null
  distri=(dotnet runtime/Cli/bin/Release/net10.0/distri.dll)
fi

best() { # best wall time in seconds of $runs runs of "$@"
  local best=999999 t0 t1 t
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l); if (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}

cat $(find "$tree" -type f) > /dev/null   # warm the page cache: compare CPU work, not the disk
rm -f "$work/distri.sqfs" "$work/mksquashfs.sqfs"
t_distri=$(best "${distri[@]}" mkimage "$tree" "$work/distri.sqfs")
t_mksq=$(best sh -c "rm -f '$work/mksquashfs.sqfs'; mksquashfs '$tree' '$work/mksquashfs.sqfs' -noI -noD -noF -noX -no-fragments -quiet -no-progress")

printf '\ntree: %s bytes, %s files\n' "$size" "$(find "$tree" -type f | wc -l)"
printf '%-46s %8.2f s\n' "distri mkimage" "$t_distri" "mksquashfs -noI -noD -noF -noX -no-fragments" "$t_mksq"
printf '%-46s %8.2f x  (>1 = distri faster)\n' "writer speed ratio (mksquashfs/distri)" "$(echo "$t_mksq / $t_distri" | bc -l)"

# --- reads: our reader vs the kernel, same image, from the page cache ---
files=("$tree"/big/file-*)
rel=(); bytes=0
for f in "${files[@]}"; do rel+=("${f#"$tree"/}"); bytes=$((bytes + $(stat -c %s "$f"))); done
if "${distri[@]}" cat "$work/distri.sqfs" "${rel[0]}" 2>/dev/null | head -c 1 | grep -q .; then
  read_ours() { for r in "${rel[@]}"; do "${distri[@]}" cat "$work/distri.sqfs" "$r"; done; }
  read_ours >/dev/null
  t_ours=$(best read_ours)
  t_kernel=$(unshare -m bash -c '
    set -e; mnt=$(mktemp -d); mount -t squashfs -o loop,ro "$1" "$mnt"; shift
    cat "${@/#/$mnt/}" > /dev/null
    t0=$(date +%s.%N); cat "${@/#/$mnt/}" > /dev/null; t1=$(date +%s.%N)
    umount "$mnt"; rmdir "$mnt"; echo "$t1 - $t0" | bc -l' _ "$work/distri.sqfs" "${rel[@]}")
  echo
  printf '%-46s %8.2f GB/s\n' "reader (distri cat, one process per file)" "$(echo "$bytes / $t_ours / 1000000000" | bc -l)" \
    "kernel squashfs mount (cat)" "$(echo "$bytes / $t_kernel / 1000000000" | bc -l)"
  printf '%-46s %8.2f x  (>1 = distri faster)\n' "reader speed ratio (kernel/distri)" "$(echo "$t_kernel / $t_ours" | bc -l)"
else
  echo; echo "reader: 'distri cat' is not available in this build yet; skipped"
fi
