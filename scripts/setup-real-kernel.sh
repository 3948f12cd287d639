#!/usr/bin/env bash
# Prepares a Debian 12 machine for the real-kernel suites (`pnpm test:kernel`): installs QEMU, busybox,
# cpio, the 6.1 headers and pahole (6.12 modules carry BTF), adds bookworm-backports when missing,
# then downloads and extracts Debian's 6.1 and 6.12 kernels into the patchwise cache (not installed).
# Idempotent: a second run installs nothing and finds the kernels cached. Needs the project built.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
need_update=

if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  need_update=1
fi

packages=(qemu-system-x86 busybox-static cpio linux-headers-amd64 dwarves xz-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ -n "$need_update" ] || [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q >/dev/null
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} ..."
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "packages ready in $((SECONDS - start)) s"

fetch() {
  node --input-type=module -e '
    const q = await import("./packages/qemu/dist/index.js");
    for (const series of q.KERNEL_SERIES) {
      const t = Date.now();
      const k = await q.fetchKernel(series);
      console.log(`kernel ${series}: ${k.release} (${k.image.version}) in ${k.root}, ${Math.round((Date.now() - t) / 1000)} s`);
    }'
}
# apt lists older than the mirror name packages that are gone: refresh once and retry.
t=$SECONDS
fetch || { $SUDO apt-get update -q >/dev/null && fetch; }
echo "kernels ready in $((SECONDS - t)) s (total $((SECONDS - start)) s)"
