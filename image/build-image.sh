#!/bin/bash
# Assembles the flashable image from the cached rootfs tarball, the app tree and the overlay:
#   dist/p2p-portal-<version>-arm64.img (+ .sha256, compressed copy, Imager os_list JSON)
#   dist/p2p-portal-<version>-arm64.vmlinuz / .initrd (the image's own kernel, for QEMU tests)
# No loop devices: the FAT partition is made with mkfs.vfat -C + mcopy, the ext4 one with mkfs.ext4 -d,
# the partition table with sfdisk on the image file, and both are copied in with dd.
# Environment:
#   IMAGE_COMPRESS=xz|zstd|none   xz -6 for releases (default), zstd for CI (~20x faster)
#   IMAGE_SEED_DATA=DIR           a node data dir copied to /var/lib/p2p-portal/data (test images)
#   IMAGE_OUT=DIR                 output folder (default dist/)
#   IMAGE_URL_BASE=URL            where the compressed image will be published (for os_list)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib/common.sh"
t0=$(date +%s)

version=$(node -p "require('$repo/package.json').version")
out=${IMAGE_OUT:-$repo/dist}
base=p2p-portal-$version-arm64
work=${IMAGE_WORK:-$here/build}
compress=${IMAGE_COMPRESS:-xz}
boot_mib=256
mkdir -p "$out" "$work"

tarball=$("$here/build-rootfs.sh")
"$here/build-app.sh" "$work/app"

root=$work/rootfs
log "extracting $tarball"
rm -rf "$root"; mkdir -p "$root"
tar --zstd -xpf "$tarball" --numeric-owner -C "$root"
ensure_binfmt_arm64

"$here/install-overlay.sh" "$root" "$work/app"

if [ -n "${IMAGE_SEED_DATA:-}" ]; then
  log "seeding node data from $IMAGE_SEED_DATA"
  mkdir -p "$root/var/lib/p2p-portal/data"
  cp -rT "$IMAGE_SEED_DATA" "$root/var/lib/p2p-portal/data"
  # Corestore refuses a storage folder whose CORESTORE device file shows it was copied (inode and xattr
  # change), which guards against two live copies writing the same cores. The seed node is stopped and
  # its folder is never used again, so this copy is a move: drop the marker and let the Pi write its own.
  find "$root/var/lib/p2p-portal/data" -name CORESTORE -type f -delete
  chown -R 990:990 "$root/var/lib/p2p-portal"
fi

# Identity of one device, not of the build host or of every card: hostname, resolv.conf (NetworkManager
# writes it), machine-id (made on first boot), SSH host keys (made by p2p-portal-setup on first boot).
echo p2p-portal > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tp2p-portal\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
rm -f "$root/etc/resolv.conf"; : > "$root/etc/resolv.conf"
: > "$root/etc/machine-id"; rm -f "$root/var/lib/dbus/machine-id"
rm -f "$root"/etc/ssh/ssh_host_*
cat > "$root/etc/fstab" <<'FSTAB'
# <file system>   <mount point>   <type>  <options>                    <dump> <pass>
LABEL=P2P-ROOT    /               ext4    defaults,noatime,commit=60   0      1
# nofail: without its boot partition the Pi still comes up and serves; units that need it wait for it.
LABEL=P2P-BOOT    /boot/firmware  vfat    defaults,noatime,umask=0022,nofail,x-systemd.device-timeout=5min  0  2
FSTAB

# raspi-firmware's kernel hook copies kernel, initrd and device trees to /boot/firmware and writes
# config.txt and cmdline.txt from /etc/default/raspi-firmware. Without DEB_MAINT_PARAMS it silently
# does nothing.
kver=$(basename "$(ls -d "$root"/lib/modules/* | sort -V | tail -1)")
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
chroot "$root" env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "$kver" "/boot/vmlinuz-$kver" >&2
umount "$root/proc"; trap - EXIT
[ -s "$root/boot/firmware/cmdline.txt" ] && [ -s "$root/boot/firmware/config.txt" ] || die "raspi-firmware hook wrote no cmdline.txt/config.txt"
ls "$root/boot/firmware/" | grep -q '^initrd.img' || die "no initrd in /boot/firmware"

# Build-only leftovers.
mv "$root/var/lib/p2p-portal-packages.lock" "$work/packages.lock"
# build-rootfs.sh pins packages.lock's versions, but a pin on a version the archive no longer carries (a security
# update replaced it) does not match and apt takes the current one: the build works, and says what drifted.
drift=$(diff <(grep -v '^#' "$here/packages.lock" | sort) <(sort "$work/packages.lock") | grep '^[<>]' || true)
[ -z "$drift" ] || log "packages differ from image/packages.lock (the archive moved on; copy $work/packages.lock over it to pin the new set):
$drift"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/tmp/* "$root"/var/log/*.log
cp "$root/boot/vmlinuz-$kver" "$out/$base.vmlinuz"
cp "$root/boot/initrd.img-$kver" "$out/$base.initrd"

# Boot partition (FAT32, first partition: the Pi's ROM only reads MBR partition 1).
log "assembling $out/$base.img"
bootimg=$work/boot.img rootimg=$work/root.img
rm -f "$bootimg" "$rootimg"
mkfs.vfat -F 32 -n P2P-BOOT -C "$bootimg" $((boot_mib * 1024)) >/dev/null
mcopy -s -i "$bootimg" "$root"/boot/firmware/* ::
find "$root/boot/firmware" -mindepth 1 -delete

# Root partition: contents plus headroom; first boot grows it to the card.
used_mib=$(du -sm "$root" | cut -f1)
root_mib=$(( used_mib + used_mib / 4 + 256 ))
mkfs.ext4 -q -L P2P-ROOT -m 1 -d "$root" "$rootimg" "${root_mib}M"

img=$out/$base.img
rm -f "$img"
start=8192 # 4 MiB: SD card erase-block alignment
boot_sectors=$((boot_mib * 2048)) root_sectors=$((root_mib * 2048))
truncate -s $(( (start + boot_sectors + root_sectors) * 512 )) "$img"
sfdisk --quiet "$img" <<SFDISK
label: dos
label-id: 0x5032502d
start=$start, size=$boot_sectors, type=c, bootable
start=$((start + boot_sectors)), size=$root_sectors, type=83
SFDISK
dd if="$bootimg" of="$img" bs=1M seek=$((start / 2048)) conv=notrunc,sparse status=none
dd if="$rootimg" of="$img" bs=1M seek=$(((start + boot_sectors) / 2048)) conv=notrunc,sparse status=none
rm -f "$bootimg" "$rootimg"
t1=$(date +%s)
log "image assembled in $((t1 - t0)) s: $(du -h --apparent-size "$img" | cut -f1) ($(du -h "$img" | cut -f1) allocated)"

(cd "$out" && sha256sum "$base.img" > "$base.img.sha256")
case "$compress" in
  xz) rm -f "$img.xz"; xz -T2 -6 -k "$img"; packed=$img.xz ;;
  zstd) rm -f "$img.zst"; zstd -q -T2 -3 -k "$img"; packed=$img.zst ;;
  none) packed=$img ;;
  *) die "IMAGE_COMPRESS must be xz, zstd or none" ;;
esac
log "compressed ($compress) in $(( $(date +%s) - t1 )) s: $(du -h "$packed" | cut -f1)"
"$here/make-os-list.sh" "$img" "$packed" > "$out/$base.os_list.json"
log "Imager repository file: $out/$base.os_list.json"
echo "$img"
