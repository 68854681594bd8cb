#!/usr/bin/env bash
# Installs the host tools distri builds and tests with, on Debian 12, when run as root.
# Idempotent and quick when everything is present: it only calls apt when a tool is missing,
# so the README commands can run it every time.
set -euo pipefail

# command-to-check:debian-package
tools=(
  gcc:build-essential make:build-essential g++:build-essential
  cmake:cmake ninja:ninja-build pkg-config:pkgconf
  mksquashfs:squashfs-tools unsquashfs:squashfs-tools squashfuse:squashfuse
  fusermount3:fuse3 bwrap:bubblewrap getfattr:attr setfattr:attr setcap:libcap2-bin
  nginx:nginx curl:curl hyperfine:hyperfine dpkg-source:dpkg-dev
  makeinfo:texinfo man:man-db file:file zstd:zstd
  dpkg-deb:dpkg setpriv:util-linux unshare:util-linux busybox:busybox-static
  gdb:gdb readelf:binutils
)
# Files rather than commands (libraries and headers).
files=(
  /usr/include/fuse3/fuse_lowlevel.h:libfuse3-dev
)

missing=()
for t in "${tools[@]}"; do command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t##*:}"); done
for f in "${files[@]}"; do [ -e "${f%%:*}" ] || missing+=("${f##*:}"); done

# The source archive is the offline origin of upstream tarballs (apt-get source).
needs_src=0
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  needs_src=1
fi

# Builds never run as root: the SDK drops to this user (docs/build-environments.md).
if ! getent passwd distri-build >/dev/null && [ "$(id -u)" -eq 0 ]; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin distri-build
fi

if [ ${#missing[@]} -eq 0 ] && [ $needs_src -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "distri: missing host tools (${missing[*]:-deb-src}); run as root or install: ${missing[*]:-}" >&2
  exit 1
fi

if [ $needs_src -eq 1 ]; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
  fi
  if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/distri-src.list || true
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "distri: installing host tools: ${missing[*]:-(none, enabling deb-src)}" >&2
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2046
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi
# nginx is started by tests on loopback only; keep the distribution's instance from running.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
