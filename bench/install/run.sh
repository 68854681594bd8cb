#!/usr/bin/env bash
# Install benchmark (issue 6): how fast `distri install` fills a store compared with the raw
# limits (curl of the same files from the same server, cp of the same files) and with apt.
# One command, everything in one run, ratios printed at the end. Run as root on Debian 12:
#   bench/install/run.sh [--no-apt] [--mb 600] [--work DIR] [--distri PATH]
# Part 2 (apt) downloads qemu-system-x86 into a scratch cache and times apt-get install from it
# inside a private mount namespace over an overlay of / (this machine is not changed); pass
# --no-apt to skip it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
target_mb=600
with_apt=1
work=""
distri_path=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-apt) with_apt=0 ;;
    --mb) target_mb=$2; shift ;;
    --work) work=$2; shift ;;
    --distri) distri_path=$2; shift ;;
    *) echo "usage: $0 [--no-apt] [--mb N] [--work DIR] [--distri PATH]" >&2; exit 2 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { echo "bench/install: needs /usr/bin/time (Debian package 'time') to report CPU times" >&2; exit 1; }
work=${work:-$(mktemp -d /var/tmp/distri-bench-install.XXXXXX)}
mkdir -p "$work"
rm -f "$work"/cpu.*
export MSBUILDDISABLENODEREUSE=1 DistriSkipPrereqs=true DOTNET_CLI_TELEMETRY_OPTOUT=1

server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

# --distri (another build, to compare two side by side); else the shipped binary (ReadyToRun,
# made by build.proj) when it exists; else a Release build.
if [ -n "$distri_path" ]; then
  distri=("$distri_path")
elif [ -x "$repo_root/artifacts/bin/distri" ]; then
  distri=("$repo_root/artifacts/bin/distri")
else
  echo "== building distri (Release)"
  dotnet build -c Release -v q -nologo "$repo_root/runtime/Cli" >/dev/null
  distri=(dotnet "$repo_root/runtime/Cli/bin/Release/net10.0/distri.dll")
fi
echo "== using ${distri[*]}"
echo "   load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
# mbps BYTES SECONDS
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b < a) ? b : a }'; }

# Writes <full>.meta.yaml beside an image, as the build does (no deps).
write_meta() { # DIR FULLNAME
  local dir=$1 full=$2 image="$1/$2.squashfs" name arch version revision rest
  revision=${full##*-}; rest=${full%-*}; version=${rest##*-}; rest=${rest%-*}; arch=${rest##*-}; name=${rest%-*}
  cat > "$dir/$full.meta.yaml" <<META
name: $name
arch: $arch
version: $version
revision: $revision
imageSha256: $(sha256sum "$image" | cut -d' ' -f1)
imageSize: $(stat -c %s "$image")
META
}

start_export() { # DIR
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${distri[@]}" export --listen "127.0.0.1:$port" "$1" > "$work/export.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/_mirror/last-sync" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$port"
}

stop_export() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

# The CPU time both sides spend explains the wall times on a loaded machine: on two cores shared
# with other work, wall time follows CPU time. cpu_of LABEL COMMAND... runs COMMAND and appends
# "<its user+system s> <the server's user+system s meanwhile>" to $work/cpu.LABEL.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server_pid/stat"; }
cpu_of() {
  local label=$1 s0 s1; shift
  s0=$(server_cpu)
  /usr/bin/time -f '%U %S' -o "$work/time.out" "$@"
  s1=$(server_cpu)
  awk -v s0="$s0" -v s1="$s1" '{ printf "%.2f %.2f\n", $1 + $2, s1 - s0 }' "$work/time.out" >> "$work/cpu.$label"
}
# cpu_line LABEL -> "X s (server Y s)" of the run that used the least CPU in all
cpu_line() { awk '{ print $1 + $2, $1, $2 }' "$work/cpu.$1" | sort -n | head -1 | awk '{ printf "%.2f s (server %.2f s)", $2, $3 }'; }

# time_install LABEL REPO_BASE NAMES... -> seconds of one install into an empty store (summary on stderr)
time_install() {
  local label=$1 base=$2 t0 t1; shift 2
  rm -rf "$work/root"
  t0=$(now)
  cpu_of "$label" "${distri[@]}" install --root "$work/root" --repo "$base" "$@" > "$work/install.log"
  t1=$(now)
  tail -1 "$work/install.log" >&2
  elapsed "$t0" "$t1"
}

############################################################################################
echo "== part 1: >= ${target_mb} MB of images of real trees, from distri export on loopback"
repo1="$work/repo1"; mkdir -p "$repo1/pkg"
names=()
total=0; i=0
# Several packages of 50-400 MB with many small files and some large ones, like a real install.
for tree in /usr/share/man /usr/share/doc /usr/share/locale /usr/lib/gcc /usr/bin /usr/lib/llvm-14 /usr/lib/jvm /usr/share/dotnet /usr/lib/x86_64-linux-gnu; do
  [ -d "$tree" ] || continue
  full="bench$i-amd64-1-1"
  if [ ! -f "$repo1/pkg/$full.squashfs" ]; then
    "${distri[@]}" mkimage "$tree" "$repo1/pkg/$full.squashfs" >/dev/null
    write_meta "$repo1/pkg" "$full"
  fi
  names+=("$full")
  total=$((total + $(stat -c %s "$repo1/pkg/$full.squashfs")))
  i=$((i + 1))
  [ $total -ge $((target_mb * 1000000)) ] && break
done
"${distri[@]}" index "$repo1" >/dev/null
files=("$repo1"/pkg/*.squashfs "$repo1"/pkg/*.meta.yaml)
bytes=$(cat "${files[@]}" | wc -c)
echo "   ${#names[@]} packages, $(mbps "$bytes" 1) MB (images + metas), page cache warm for all three"
cat "${files[@]}" > /dev/null

start_export "$repo1"
# Rounds interleave the three so that load from elsewhere hits them alike; best of each.
urls=(); for f in "${files[@]}"; do urls+=(-o "$work/curl/$(basename "$f")" "$base/pkg/$(basename "$f")"); done
t_distri=999999; t_curl=999999; t_cp=999999
for _ in 1 2 3; do
  t_distri=$(min "$t_distri" "$(time_install distri "$base" "${names[@]}")")
  rm -rf "$work/root"
  # curl: the same files from the same server, 16 at a time like distri's default.
  rm -rf "$work/curl"; mkdir -p "$work/curl"
  t0=$(now); cpu_of curl curl -sS --no-progress-meter --fail --parallel --parallel-max 16 "${urls[@]}"; t1=$(now)
  t_curl=$(min "$t_curl" "$(elapsed "$t0" "$t1")")
  rm -rf "$work/curl"
  rm -rf "$work/cp"; mkdir -p "$work/cp"
  t0=$(now); cp "${files[@]}" "$work/cp/"; t1=$(now)
  t_cp=$(min "$t_cp" "$(elapsed "$t0" "$t1")")
  rm -rf "$work/cp"
done
stop_export

printf '   distri install : %8.2f s  %8s MB/s\n' "$t_distri" "$(mbps "$bytes" "$t_distri")"
printf '   curl (raw HTTP): %8.2f s  %8s MB/s\n' "$t_curl" "$(mbps "$bytes" "$t_curl")"
printf '   cp             : %8.2f s  %8s MB/s\n' "$t_cp" "$(mbps "$bytes" "$t_cp")"
echo "   CPU, user + system: distri install $(cpu_line distri), curl $(cpu_line curl)"
r_curl=$(ratio "$t_curl" "$t_distri"); r_cp=$(ratio "$t_cp" "$t_distri")

############################################################################################
echo "== part 1b: the same packages over zstd transport (distri export --precompress)"
# distri decodes with ZstdSharp (managed); curl --compressed decodes the same .zst bodies with
# libzstd: the managed decoder's cost, shown rather than hidden. Rates are over decoded bytes.
repo1z="$work/repo1z"
if [ ! -f "$repo1z/pkg/index.yaml" ]; then
  mkdir -p "$repo1z/pkg"
  ln -f "$repo1"/pkg/* "$repo1z/pkg/"
  "${distri[@]}" export --precompress "$repo1z" >/dev/null
fi
zbytes=$(cat "$repo1z"/pkg/*.zst | wc -c)
echo "   $(mbps "$zbytes" 1) MB of .zst for $(mbps "$bytes" 1) MB; the zstd CLI decodes them in $(
  t0=$(now); cat "$repo1z"/pkg/*.zst | zstd -q -d -c > /dev/null; t1=$(now); elapsed "$t0" "$t1") s"
start_export "$repo1z"
zurls=(); for f in "${files[@]}"; do zurls+=(-o "$work/curl/$(basename "$f")" "$base/pkg/$(basename "$f")"); done
t_distri_z=999999; t_curl_z=999999
for _ in 1 2 3; do
  t_distri_z=$(min "$t_distri_z" "$(time_install distri-z "$base" "${names[@]}")")
  rm -rf "$work/root"
  rm -rf "$work/curl"; mkdir -p "$work/curl"
  t0=$(now); cpu_of curl-z curl -sS --no-progress-meter --fail --compressed --parallel --parallel-max 16 "${zurls[@]}"; t1=$(now)
  t_curl_z=$(min "$t_curl_z" "$(elapsed "$t0" "$t1")")
  cmp -s "$work/curl/$(basename "${files[0]}")" "${files[0]}" || { echo "bench/install: curl --compressed did not decode to the image" >&2; exit 1; }
  rm -rf "$work/curl"
done
stop_export
printf '   distri install (ZstdSharp)     : %8.2f s  %8s MB/s\n' "$t_distri_z" "$(mbps "$bytes" "$t_distri_z")"
printf '   curl --compressed (libzstd)    : %8.2f s  %8s MB/s\n' "$t_curl_z" "$(mbps "$bytes" "$t_curl_z")"
echo "   CPU, user + system: distri install $(cpu_line distri-z), curl $(cpu_line curl-z)"
r_curl_z=$(ratio "$t_curl_z" "$t_distri_z")

############################################################################################
r_apt=""
if [ $with_apt -eq 1 ]; then
  echo "== part 2: qemu-system-x86, apt-get install from a local cache vs distri install from distri export"
  cache="$work/apt-cache"; mkdir -p "$cache/partial"
  if dpkg -s qemu-system-x86 >/dev/null 2>&1; then
    echo "   qemu-system-x86 is already installed here; apt would have nothing to do" >&2
  else
    # Only the scratch cache is written on the host; the package lists are used as they are.
    apt-get -y -qq -o "Dir::Cache::archives=$cache" install --download-only qemu-system-x86 >/dev/null
    debs=("$cache"/*.deb)
    repo2="$work/repo2"; mkdir -p "$repo2/pkg"
    names2=()
    for deb in "${debs[@]}"; do
      # Untimed conversion: the .deb payload as a distri image.
      pkg=$(dpkg-deb -f "$deb" Package | tr -c 'a-zA-Z0-9.+~\n' '_'); full="$pkg-amd64-1-1"
      if [ ! -f "$repo2/pkg/$full.squashfs" ]; then
        rm -rf "$work/x"; mkdir -p "$work/x/out"; dpkg-deb -x "$deb" "$work/x/out"
        "${distri[@]}" mkimage "$work/x" "$repo2/pkg/$full.squashfs" >/dev/null
        write_meta "$repo2/pkg" "$full"
      fi
      names2+=("$full")
    done
    rm -rf "$work/x"
    "${distri[@]}" index "$repo2" >/dev/null
    payload=$(cat "$repo2"/pkg/*.squashfs | wc -c)

    # apt-get install from the cache, timed, in a private mount namespace over an overlay of /
    # (upper layer in tmpfs): this machine's dpkg database and files are never touched, and the
    # tmpfs only flatters apt. No services start (policy-rc.d).
    t_apt=$(unshare -m --propagation private bash -euc '
      work=$1; cache=$2; ov=$work/overlay
      mkdir -p "$ov"; mount -t tmpfs tmpfs "$ov"; mkdir -p "$ov/upper" "$ov/work" "$ov/merged"
      mount -t overlay overlay -o "lowerdir=/,upperdir=$ov/upper,workdir=$ov/work" "$ov/merged"
      for d in proc sys dev; do mount --rbind "/$d" "$ov/merged/$d"; done
      mkdir -p "$ov/merged/var/cache/distri-bench"; mount --bind "$cache" "$ov/merged/var/cache/distri-bench"
      printf "#!/bin/sh\nexit 101\n" > "$ov/merged/usr/sbin/policy-rc.d"; chmod +x "$ov/merged/usr/sbin/policy-rc.d"
      t0=$(date +%s.%N)
      DEBIAN_FRONTEND=noninteractive chroot "$ov/merged" apt-get -y -qq --no-download \
        -o Dir::Cache::archives=/var/cache/distri-bench install qemu-system-x86 >"$work/apt.log" 2>&1
      t1=$(date +%s.%N)
      chroot "$ov/merged" dpkg -s qemu-system-x86 >/dev/null
      awk -v a="$t0" -v b="$t1" "BEGIN { print b - a }"
    ' _ "$work" "$cache")
    rmdir "$work/overlay" 2>/dev/null || true

    start_export "$repo2"
    t_distri2=999999
    for _ in 1 2 3; do t_distri2=$(min "$t_distri2" "$(time_install distri-apt "$base" "${names2[@]}")"); done
    rm -rf "$work/root"
    stop_export
    # Both rates over the same content: the unpacked payload as distri images.
    printf '   apt-get install: %8.2f s  %8s MB/s  (%d .debs, from the local cache)\n' "$t_apt" "$(mbps "$payload" "$t_apt")" "${#debs[@]}"
    printf '   distri install : %8.2f s  %8s MB/s\n' "$t_distri2" "$(mbps "$payload" "$t_distri2")"
    r_apt=$(ratio "$t_apt" "$t_distri2")
  fi
fi

echo "== ratios (higher is better for distri); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   distri / curl raw HTTP : ${r_curl}x   (target >= 0.8x of the raw copy)"
echo "   distri / cp            : ${r_cp}x"
echo "   distri / curl, zstd    : ${r_curl_z}x   (managed zstd + sha256 against libzstd, same .zst bodies)"
[ -n "$r_apt" ] && echo "   distri / apt           : ${r_apt}x   (target >= 15x)"
echo "   work directory: $work (images are kept for reruns; remove it when done)"
