#!/usr/bin/env bash
# Build the test kernel modules of kernel/modules against Debian 12's kernel headers.
#
#   scripts/build-kernel-modules.sh KVER OUTDIR
#
# KVER is a series, `6.1` (bookworm) or `6.12` (bookworm-backports), resolved at run time to the
# release Debian currently ships (it bumps the ABI number on security updates and drops older
# packages), or a full release such as `6.1.0-57-amd64`. Headers installed under
# /usr/src/linux-headers-RELEASE are used as they are; otherwise the headers, their -common part and
# the matching linux-kbuild package are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x` into a cache (never installed: the 6.12 headers package would pull the 6.12 image and
# initramfs tools). The 6.12 backport needs bookworm-backports in apt's sources: it is added (one
# file under /etc/apt/sources.list.d, root only) when missing.
#
# OUTDIR receives:
#   debug/NAME.ko     as kbuild built them (Debian's configs set CONFIG_DEBUG_INFO; if a config does
#                     not, the build is repeated with KCFLAGS=-g)
#   nodebug/NAME.ko   the same, `strip --strip-debug`
#   signed/NAME.ko    the nodebug livepatch modules signed by the kbuild package's scripts/sign-file
#                     with a throwaway key generated for this build (the private key is deleted)
#   signing_cert.pem  that key's certificate (PEM; signing_cert.der the same in DER)
#   build-info.txt    release, package versions, compiler
#
# Environment: PATCHWISE_KERNEL_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/patchwise/kernel).
set -euo pipefail

usage() { echo "usage: $0 KVER OUTDIR   (KVER: 6.1, 6.12 or a release like 6.1.0-57-amd64)" >&2; exit 2; }
[ $# -eq 2 ] || usage
KVER=$1
OUT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=$ROOT/kernel/modules
CACHE=${PATCHWISE_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/patchwise/kernel}
LIVEPATCH_MODULES="acme_cmdline beta_cmdline acme_cumulative acme_target_fix acme_callbacks acme_klpbuild"
PLAIN_MODULES="pw_target"

log() { echo "build-kernel-modules: $*" >&2; }
die() { log "error: $*"; exit 1; }

have_backports() {
  grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

add_backports() {
  [ "$(id -u)" = 0 ] || die "the 6.12 headers come from bookworm-backports, which is not in apt's sources (run as root to add it)"
  log "adding bookworm-backports to apt's sources"
  cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/bookworm-backports.sources \
    -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >&2
}

# The linux-headers-amd64 version of a series, then the flavour package it depends on.
resolve_release() {
  local series=$1 version dep
  version=$(apt-cache madison linux-headers-amd64 | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
    grep -E "^${series//./\\.}\." | sort -V | tail -1 || true)
  if [ -z "$version" ] && [ "$series" != 6.1 ] && ! have_backports; then
    add_backports
    version=$(apt-cache madison linux-headers-amd64 | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
      grep -E "^${series//./\\.}\." | sort -V | tail -1 || true)
  fi
  [ -n "$version" ] || die "no linux-headers-amd64 of series $series in apt's sources (apt-get update?)"
  dep=$(apt-cache depends "linux-headers-amd64=$version" | sed -n 's/^ *Depends: linux-headers-//p' | head -1)
  [ -n "$dep" ] || die "cannot resolve linux-headers-amd64=$version to a release"
  echo "$dep"
}

# Headers for RELEASE: installed ones, or the .debs unpacked in the cache. Prints the headers dir.
headers_for() {
  local release=$1 dir pkgs
  if [ -f "/usr/src/linux-headers-$release/Makefile" ]; then echo "/usr/src/linux-headers-$release"; return; fi
  dir=$CACHE/$release
  if [ ! -f "$dir/root/usr/src/linux-headers-$release/.patchwise-ready" ]; then
    if ! apt-cache show "linux-headers-$release" >/dev/null 2>&1 && ! have_backports; then add_backports; fi
    pkgs="linux-headers-$release $(apt-cache depends "linux-headers-$release" |
      sed -n 's/^ *Depends: \(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\)$/\1/p' | sort -u | tr '\n' ' ')"
    log "fetching $pkgs"
    rm -rf "$dir" && mkdir -p "$dir/debs" "$dir/root"
    # _apt cannot write into a private directory: download as the invoking user.
    (cd "$dir/debs" && apt-get download -o APT::Sandbox::User=root $pkgs >&2)
    for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
    # The flavour's Makefile includes the -common tree by its absolute /usr/src path.
    sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" "$dir/root/usr/src/linux-headers-$release/Makefile"
    touch "$dir/root/usr/src/linux-headers-$release/.patchwise-ready"
  fi
  echo "$dir/root/usr/src/linux-headers-$release"
}

case $KVER in
  [0-9]*.[0-9]*-*|[0-9]*.[0-9]*.[0-9]*) RELEASE=$KVER ;;
  [0-9]*.[0-9]*) RELEASE=$(resolve_release "$KVER") ;;
  *) usage ;;
esac
HDR=$(headers_for "$RELEASE")
log "release $RELEASE, headers $HDR"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$SRC"/*.c "$SRC"/*.h "$SRC"/Kbuild "$WORK/"
make -s -C "$HDR" M="$WORK" -j2 modules >&2
if ! readelf -S "$WORK/acme_cmdline.ko" | grep -q '\.debug_info'; then
  log "this config builds without debug info: rebuilding with KCFLAGS=-g"
  make -s -C "$HDR" M="$WORK" clean >&2
  make -s -C "$HDR" M="$WORK" -j2 KCFLAGS=-g modules >&2
fi

mkdir -p "$OUT/debug" "$OUT/nodebug" "$OUT/signed"
for m in $LIVEPATCH_MODULES $PLAIN_MODULES; do
  cp "$WORK/$m.ko" "$OUT/debug/$m.ko"
  strip --strip-debug -o "$OUT/nodebug/$m.ko" "$WORK/$m.ko"
done

# A throwaway signing key, made like the kernel's own (certs/default_x509.genkey): RSA, sha256,
# digitalSignature, the subject key id from the key.
KEYDIR=$WORK/key
mkdir -p "$KEYDIR"
openssl req -new -x509 -nodes -newkey rsa:2048 -sha256 -days 3650 -batch -utf8 \
  -subj "/O=patchwise tests/CN=patchwise throwaway module signing key" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=digitalSignature" \
  -addext "subjectKeyIdentifier=hash" -addext "authorityKeyIdentifier=keyid" \
  -keyout "$KEYDIR/key.pem" -out "$OUT/signing_cert.pem" 2>/dev/null
openssl x509 -in "$OUT/signing_cert.pem" -outform DER -out "$OUT/signing_cert.der"
for m in $LIVEPATCH_MODULES; do
  "$HDR/scripts/sign-file" sha256 "$KEYDIR/key.pem" "$OUT/signing_cert.pem" "$OUT/nodebug/$m.ko" "$OUT/signed/$m.ko"
done
rm -rf "$KEYDIR"

{
  echo "release: $RELEASE"
  echo "headers: $(dpkg-deb -f "$CACHE/$RELEASE/debs/linux-headers-${RELEASE}_"*.deb Version 2>/dev/null || dpkg-query -W -f '${Version}' "linux-headers-$RELEASE" 2>/dev/null || echo unknown)"
  echo "compiler: $(grep -h '^CONFIG_CC_VERSION_TEXT=' "$HDR/.config" | cut -d'"' -f2)"
  echo "modules: $LIVEPATCH_MODULES $PLAIN_MODULES"
} > "$OUT/build-info.txt"
log "built $(echo $LIVEPATCH_MODULES $PLAIN_MODULES | wc -w) modules for $RELEASE in $OUT"
