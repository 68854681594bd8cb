#!/usr/bin/env bash
# Prints the <DebianPackage> items of pkgs/seed/seed.distpkg: the dependency closure (Depends and
# Pre-Depends, no Recommends) of the seed's tools, each pinned to the version apt offers now with
# its sha256. Run on Debian 12 after `apt-get update`; paste the output into the definition.
set -euo pipefail

# What builds need: a C/C++ toolchain, the tools configure scripts and Makefiles call, and the
# interpreters some builds run (perl for many, python3 and bison for glibc, cmake/ninja for cmake).
tools=(gcc g++ make bash dash coreutils sed grep gawk findutils diffutils tar gzip xz-utils bzip2
       patch m4 pkgconf perl texinfo bison python3 file cmake ninja-build)
# Pulled in by dependencies but of no use in a build root (init, PAM, mount, MIME, debconf UIs).
skip=" usrmerge usr-is-merged util-linux util-linux-extra init-system-helpers cdebconf
       libdebian-installer4 libnewt0.52 libslang2 libtextwrap1 procps libproc2-0 libsystemd0
       libelogind0 libudev1 libpam0g libaudit1 libaudit-common libcap-ng0 libmount1 libblkid1
       libsmartcols1 original-awk mailcap mime-support media-types libfile-find-rule-perl
       libnumber-compare-perl libtext-glob-perl tex-common ucf "

apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${tools[@]}" 2>/dev/null | grep -v '^[ <]' | sort -u |
while read -r p; do
  case " $(echo $skip) " in *" $p "*) continue ;; esac
  apt-cache show --no-all-versions "$p" | awk -v p="$p" '
    /^Version:/ { v = $2 } /^SHA256:/ { s = $2 }
    END { printf "    <DebianPackage Include=\"%s\" Version=\"%s\" Sha256=\"%s\" />\n", p, v, s }'
done
