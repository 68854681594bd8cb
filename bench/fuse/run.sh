#!/usr/bin/env bash
# Read and metadata throughput of /ro (our libfuse3 daemon) against squashfuse and the kernel's
# squashfs, all serving the same uncompressed image. Needs root (drop_caches, loop mounts) and
# hyperfine, squashfuse, unsquashfs. Usage: bench/fuse/run.sh [SIZE_MB] (default 640).
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mb=${1:-640}
[ "$(id -u)" -eq 0 ] || { echo "bench/fuse: run as root (drop_caches, loop mount)" >&2; exit 1; }
for tool in hyperfine squashfuse unsquashfs python3; do
  command -v $tool >/dev/null || { echo "bench/fuse: needs $tool (eng/install-prereqs.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/distri-bench-fuse.XXXXXX)
daemon=
cleanup() {
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  for m in "$work"/mnt/*; do mountpoint -q "$m" && umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

export MSBUILDDISABLENODEREUSE=1 DistriSkipPrereqs=true
dotnet build runtime/Cli -c Release -v q -nologo >/dev/null
distri=runtime/Cli/bin/Release/net10.0/distri.dll

# A mixed tree: a few large files, many medium, very many small (~${size_mb} MB in all).
echo "bench/fuse: generating a ${size_mb} MB tree" >&2
src=$work/src/out
mkdir -p "$src/large" "$src/medium" "$src/small"
large=$((size_mb * 6 / 10 / 64)); medium=$((size_mb * 3 / 10)); small=$((size_mb * 1024 / 10 / 16))
for i in $(seq 1 $large); do head -c 64M /dev/urandom > "$src/large/$i.bin"; done
for i in $(seq 1 $medium); do head -c 1M /dev/urandom > "$src/medium/$i.bin"; done
head -c $((small * 16))K /dev/urandom | split -b 16K -a 5 - "$src/small/f"
mkdir -p "$work/store" "$work/mnt/ours" "$work/mnt/squashfuse" "$work/mnt/kernel"
image=$work/store/bench-amd64-1-1.squashfs
# Our writer: uncompressed and fragment-free, as distri images are, so reads are positional copies.
dotnet "$distri" mkimage "$work/src" "$image" >/dev/null
rm -rf "$work/src"
echo "bench/fuse: image $(du -m "$image" | cut -f1) MB, $(unsquashfs -l "$image" | wc -l) entries" >&2

mount -t squashfs -o loop,ro "$image" "$work/mnt/kernel"
squashfuse "$image" "$work/mnt/squashfuse"
dotnet "$distri" fuse --store "$work/store" "$work/mnt/ours" > "$work/ready" &
daemon=$!
for _ in $(seq 1 200); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/ready" || { echo "bench/fuse: distri fuse did not start" >&2; exit 1; }

declare -A root=([ours]="$work/mnt/ours/bench-amd64-1-1" [squashfuse]="$work/mnt/squashfuse" [kernel]="$work/mnt/kernel")
drop='sync; echo 3 > /proc/sys/vm/drop_caches'
run() { # name, prepare, command template (%s = tree root)
  local name=$1 prepare=$2 template=$3 args=()
  for fs in ours squashfuse kernel; do args+=(-n "$fs" "$(printf "$template" "${root[$fs]}")"); done
  hyperfine --shell=bash --runs $([ -n "$prepare" ] && echo 5 || echo 15) ${prepare:+--prepare "$prepare"} --warmup $([ -n "$prepare" ] && echo 0 || echo 1) \
    --export-json "$work/$name.json" "${args[@]}" >&2
}
read_all='find %s/out -type f -print0 | xargs -0 cat > /dev/null'
meta_all='find %s/out -printf "%%s %%m %%T@\\n" > /dev/null'
run cold-read "$drop" "$read_all"
run warm-read "" "$read_all"
run cold-metadata "$drop" "$meta_all"
run warm-metadata "" "$meta_all"

bytes=$(du -sb --apparent-size "${root[kernel]}/out" | cut -f1)
python3 - "$work" "$bytes" <<'PY'
import json, sys
work, size = sys.argv[1], int(sys.argv[2])
print(f"{'run':15} {'ours':>12} {'squashfuse':>12} {'kernel':>12} {'vs squashfuse':>14} {'vs kernel':>10}")
for name in ["cold-read", "warm-read", "cold-metadata", "warm-metadata"]:
    mean = {r["command"]: r["mean"] for r in json.load(open(f"{work}/{name}.json"))["results"]}
    if "read" in name:
        cell = {k: f"{size / v / 1e6:9.0f} MB/s" for k, v in mean.items()}
    else:
        cell = {k: f"{v * 1000:9.0f} ms" for k, v in mean.items()}
    # A ratio above 1 means ours is faster.
    print(f"{name:15} {cell['ours']:>12} {cell['squashfuse']:>12} {cell['kernel']:>12} "
          f"{mean['squashfuse'] / mean['ours']:13.2f}x {mean['kernel'] / mean['ours']:9.2f}x")
PY
