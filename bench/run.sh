#!/usr/bin/env bash
# Runs every distri benchmark, one after the other, each against the real alternative in the
# same run (mksquashfs, the kernel, squashfuse, curl/cp, apt), printing ratios.
# Usage (root, after `dotnet build build.proj`): bash bench/run.sh [squashfs|fuse|install|buildenv|zstd|cache|schedule]...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=(squashfs fuse buildenv install zstd cache schedule)
for name in "${selected[@]}"; do
  script="$here/$name/run.sh"
  if [ ! -x "$script" ] && [ ! -f "$script" ]; then
    echo "bench: no benchmark named '$name'" >&2
    exit 2
  fi
  echo "=== bench/$name ==="
  bash "$script"
  echo
done
