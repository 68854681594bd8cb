#!/usr/bin/env bash
# The shared build cache and the no-op build, each against its alternative in the same run:
#  1. the sample distribution (`dotnet build build.proj`) from an empty artifacts directory without
#     a cache, then — after that machine seeded a cache (push of up-to-date packages) — from
#     another empty artifacts directory with the warm cache (every package "from cache");
#  2. a no-op `dotnet build build.proj` against a no-op build of an empty MSBuild project.
# The cache is stock nginx with WebDAV PUT/MOVE on loopback. Sources come from the checkout's
# artifacts/sources in both builds, so the cold build times building, not downloading.
# Usage: bench/cache/run.sh [runs=3]   (as root, after `dotnet build build.proj`)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
work=$(mktemp -d /tmp/distri-bench-cache.XXXXXX)
cleanup() {
  if [ -n "${nginx:-}" ]; then kill "$nginx" 2>/dev/null || true; wait "$nginx" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/cache" "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1;
pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  server {
    listen 127.0.0.1:$port; root $work/cache; default_type application/octet-stream;
    dav_methods PUT MOVE; create_full_put_path on; client_max_body_size 0;
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -e "$work/nginx/error.log" & nginx=$!
cache="http://127.0.0.1:$port/"
sleep 0.5

export DistriSkipPrereqs=true MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
common=(-nologo -v:m "-p:DistriSourcesDir=$PWD/artifacts/sources/" -p:DistriSkipSample=true)
seconds() { local start end; start=$(date +%s.%N); "$@" > "$work/last.log" 2>&1 || { tail -40 "$work/last.log"; exit 1; }; end=$(date +%s.%N); echo "$end - $start" | bc; }

cold=$(seconds dotnet build build.proj "${common[@]}" "-p:DistriArtifactsDir=$work/a/")
seconds dotnet build build.proj "${common[@]}" "-p:DistriArtifactsDir=$work/a/" "-p:DistriCache=$cache" -p:DistriCachePush=true > /dev/null
warm=$(seconds dotnet build build.proj "${common[@]}" "-p:DistriArtifactsDir=$work/b/" "-p:DistriCache=$cache")
grep -q "from cache" "$work/last.log" || { echo "bench: the warm build took nothing from the cache" >&2; exit 1; }
cmp -s <(cd "$work/a/repo/pkg" && sha256sum ./*.squashfs) <(cd "$work/b/repo/pkg" && sha256sum ./*.squashfs) \
  || { echo "bench: images from the cache differ from the built ones" >&2; exit 1; }

# No-op: the median of RUNS builds with nothing to do, against an empty project's.
echo '<Project><Target Name="Build" /></Project>' > "$work/empty.proj"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
noop=$(for _ in $(seq "$RUNS"); do seconds dotnet build build.proj "${common[@]}" "-p:DistriArtifactsDir=$work/a/"; done | median)
empty=$(for _ in $(seq "$RUNS"); do seconds dotnet build "$work/empty.proj" -nologo -v:m; done | median)

printf 'sample distribution, empty artifacts: %6.1f s without a cache, %5.1f s from a warm cache: %5.1fx faster (target >= 20x)\n' \
  "$cold" "$warm" "$(echo "$cold / $warm" | bc -l)"
printf 'no-op build.proj: %5.2f s, empty project: %5.2f s: %4.1fx (target <= 5x)\n' "$noop" "$empty" "$(echo "$noop / $empty" | bc -l)"
