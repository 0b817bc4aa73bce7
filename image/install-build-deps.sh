#!/bin/bash
# Installs the Debian packages the image build and its QEMU tests use (on a Debian bookworm or newer
# host, as root), and makes sure arm64 binaries run through binfmt_misc. iproute2: the update checks put a tap
# device and a host node in a network namespace of their own. gcc-aarch64-linux-gnu and libc6-dev-arm64-cross:
# build-app.sh cross-compiles the node's addon (native/malloc-trim.c) for the Pi.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
need=(mmdebstrap qemu-system-arm qemu-efi-aarch64 qemu-user-static binfmt-support mtools dosfstools
      e2fsprogs fdisk zstd xz-utils arch-test openssh-client curl openssl debian-archive-keyring iproute2
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# mmdebstrap checks the trixie Release file against these keys.
[ -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ] || die "debian-archive-keyring has no trixie keys: install a newer debian-archive-keyring"
ensure_binfmt_arm64
