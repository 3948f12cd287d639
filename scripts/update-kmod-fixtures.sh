#!/usr/bin/env bash
# Regenerate the committed .ko fixtures of @patchwise/kmod (packages/kmod/test/fixtures/SERIES/)
# from our own sources (kernel/modules) with scripts/build-kernel-modules.sh:
#   nodebug/*.ko   every module, stripped of debug info (small)
#   signed/*.ko    the signed livepatch modules, and signing_cert.pem / .der to verify them
#   debug/acme_cmdline.ko  one module with its debug info (they are ~300 KB each)
#   build-info.txt what they were built from
# The fixtures keep `pnpm test` offline and fast; the kernel suite builds afresh and checks the
# script's own output (packages/kmod/test/built-modules.test.ts with PATCHWISE_KMOD_BUILT=DIR).
#
#   scripts/update-kmod-fixtures.sh [SERIES...]     (default: 6.1 6.12)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIXTURES=$ROOT/packages/kmod/test/fixtures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=(6.1 6.12)
for series in "${SERIES[@]}"; do
  "$ROOT/scripts/build-kernel-modules.sh" "$series" "$WORK/$series"
  dest=$FIXTURES/$series
  rm -rf "$dest"
  mkdir -p "$dest/nodebug" "$dest/signed" "$dest/debug"
  cp "$WORK/$series"/nodebug/*.ko "$dest/nodebug/"
  cp "$WORK/$series"/signed/*.ko "$dest/signed/"
  cp "$WORK/$series/debug/acme_cmdline.ko" "$dest/debug/"
  cp "$WORK/$series"/signing_cert.pem "$WORK/$series"/signing_cert.der "$WORK/$series/build-info.txt" "$dest/"
  echo "update-kmod-fixtures: $dest" >&2
done
