#!/usr/bin/env bash
# zstd benchmark (issue 12): what the managed decoder (ZstdSharp) costs an install. Images are
# stored uncompressed (compression is the transport's job), so with a precompressed repository
# every byte an install writes went through the zstd decoder.
#   bench/zstd/run.sh [--tree DIR] [--work DIR]
# 1. The zstd CLI decoding the image's .zst sibling, as the native reference.
# 2. `distri install` of that image from `distri export`: zstd transport vs identity (the same
#    image without siblings); best of three each, interleaved.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
tree=/usr/lib/x86_64-linux-gnu
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tree) tree=$2; shift ;;
    --work) work=$2; shift ;;
    *) echo "usage: $0 [--tree DIR] [--work DIR]" >&2; exit 2 ;;
  esac
  shift
done
work=${work:-$(mktemp -d /var/tmp/distri-bench-zstd.XXXXXX)}
mkdir -p "$work"
export DOTNET_CLI_TELEMETRY_OPTOUT=1

server_pids=()
cleanup() { for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ -x "$repo_root/artifacts/bin/distri" ]; then
  distri=("$repo_root/artifacts/bin/distri")
else
  dotnet build -c Release -v q -nologo "$repo_root/runtime/Cli" >/dev/null
  distri=(dotnet "$repo_root/runtime/Cli/bin/Release/net10.0/distri.dll")
fi
echo "== using ${distri[*]}"

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b < a) ? b : a }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }

full=zbench-amd64-1-1
for r in zstd identity; do mkdir -p "$work/$r/pkg"; done
image="$work/identity/pkg/$full.squashfs"
if [ ! -f "$image" ]; then
  "${distri[@]}" mkimage "$tree" "$image" >/dev/null
  cat > "$work/identity/pkg/$full.meta.yaml" <<META
name: zbench
arch: amd64
version: "1"
revision: 1
imageSha256: $(sha256sum "$image" | cut -d' ' -f1)
imageSize: $(stat -c %s "$image")
META
  cp -l "$work/identity/pkg/$full".* "$work/zstd/pkg/"
  "${distri[@]}" export --precompress "$work/zstd" >/dev/null
fi
bytes=$(stat -c %s "$image")
echo "== $tree as one image: $(mbps "$bytes" 1) MB, .zst $(mbps "$(stat -c %s "$work/zstd/pkg/$full.squashfs.zst")" 1) MB"
cat "$image" "$work/zstd/pkg/$full.squashfs.zst" > /dev/null

t_cli=999999
for _ in 1 2 3; do
  t0=$(now); zstd -q -d -c "$work/zstd/pkg/$full.squashfs.zst" | sha256sum > /dev/null; t1=$(now)
  t_cli=$(min "$t_cli" "$(elapsed "$t0" "$t1")")
done
echo "zstd -d | sha256sum:                 $(mbps "$bytes" "$t_cli") MB/s"

start_export() { # DIR -> $base (not in a $(...) subshell: the trap must see the pid)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${distri[@]}" export --listen "127.0.0.1:$port" "$1" > "$work/export-$(basename "$1").log" 2>&1 &
  server_pids+=("$!")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_mirror/last-sync" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$port"
}
start_export "$work/zstd"; base_zstd=$base
start_export "$work/identity"; base_identity=$base

# The engine's own rate (from its summary line), so .NET start-up does not blur the comparison.
engine_rate() { # BASE
  rm -rf "$work/root"
  "${distri[@]}" install --root "$work/root" --repo "$1" zbench | tail -1 | sed -E 's/.* ([0-9.]+) MB\/s$/\1/'
}
best_zstd=0; best_identity=0
for _ in 1 2 3; do
  best_zstd=$(awk -v a="$best_zstd" -v b="$(engine_rate "$base_zstd")" 'BEGIN { print (b > a) ? b : a }')
  best_identity=$(awk -v a="$best_identity" -v b="$(engine_rate "$base_identity")" 'BEGIN { print (b > a) ? b : a }')
done
echo "distri install, zstd transport:      $best_zstd MB/s (engine)"
echo "distri install, identity transport:  $best_identity MB/s (engine)"
rm -rf "$work/root"
