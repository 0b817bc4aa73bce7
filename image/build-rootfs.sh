#!/bin/bash
# Builds (or reuses) the Debian trixie arm64 root filesystem tarball for the appliance image.
# Output: path of the cached tarball on stdout. The cache lives outside the clone and is keyed on
# the package list, its lock and this script, so an unchanged list does not rebuild (~15 min cold).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"

cache_dir=${IMAGE_CACHE_DIR:-/var/cache/p2p-portal-image}
mkdir -p "$cache_dir"
key=$(cat "$here/packages.txt" "$here/build-rootfs.sh" $(ls "$here/packages.lock" 2>/dev/null) | sha256sum | cut -c1-16)
out="$cache_dir/rootfs-trixie-arm64-$key.tar.zst"
if [ -s "$out" ]; then
  log "rootfs cache hit: $out"
  echo "$out"
  exit 0
fi

ensure_binfmt_arm64
packages=$(grep -v '^\s*#' "$here/packages.txt" | awk 'NF { print $1 }' | paste -sd, -)

# packages.lock pins every installed package to the version recorded by the last build: apt
# fails loudly if the archive no longer has it, instead of quietly building different content.
aptopts=()
if [ -s "$here/packages.lock" ] && [ "${IMAGE_UNPIN:-0}" != 1 ]; then
  prefs=$(mktemp)
  awk 'NF == 2 && $1 !~ /^#/ { split($1, p, ":"); printf "Package: %s\nPin: version %s\nPin-Priority: 1001\n\n", p[1], $2 }' \
    "$here/packages.lock" > "$prefs"
  aptopts+=(--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && cp $prefs \"\$1/etc/apt/preferences.d/p2p-portal-pins\"")
  aptopts+=(--customize-hook='rm -f "$1/etc/apt/preferences.d/p2p-portal-pins"')
fi

tmp="$out.partial.tar.zst"
start=$(date +%s)
log "building rootfs $out (cold; about 15 minutes)"
mmdebstrap \
  --arch=arm64 --variant=minbase --components=main,non-free-firmware \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  --include="$packages" \
  --aptopt='Acquire::Retries "5"' \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  "${aptopts[@]}" \
  --setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && printf "%s\n" "# zstd -3: the initrd is built under qemu-user at image build time, where -9 costs minutes" "COMPRESS=zstd" "COMPRESSLEVEL=3" > "$1/etc/initramfs-tools/conf.d/p2p-portal.conf"' \
  --customize-hook='chroot "$1" dpkg-query -W -f "\${Package}:\${Architecture} \${Version}\n" > "$1/var/lib/p2p-portal-packages.lock"' \
  trixie "$tmp" \
  "deb $DEBIAN_MIRROR trixie main non-free-firmware" \
  "deb $DEBIAN_MIRROR trixie-updates main non-free-firmware" \
  "deb $DEBIAN_SECURITY_MIRROR trixie-security main non-free-firmware" >&2
mv "$tmp" "$out"
log "rootfs built in $(( $(date +%s) - start )) s: $(du -h "$out" | cut -f1)"
echo "$out"
