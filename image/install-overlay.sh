#!/bin/bash
# Installs the appliance layer into a root filesystem: the overlay (units, NetworkManager and
# nftables config, setup scripts, boot-partition template), the node's user, the Imager-compatible
# first user, and the app tree as the first release, /opt/p2p-portal/releases/<version>/ with
# /opt/p2p-portal/current pointing at it. Shared by the Debian build (build-image.sh) and the pi-gen stage
# (pi-gen/stage-p2p-portal), so both images carry the same files.
#   [RELEASE_KEY=KEY] install-overlay.sh ROOTFS APP_DIR
# RELEASE_KEY: the release drive the Pi follows for updates of itself (printed by `p2p-portal release`); without
# it the image never updates itself (it can still be reflashed).
# Runs commands inside ROOTFS with chroot (through qemu-user-static on an x86 host).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${1:?usage: install-overlay.sh ROOTFS APP_DIR}
app=${2:?usage: install-overlay.sh ROOTFS APP_DIR}
[ -x "$root/usr/bin/node" ] || { echo "install-overlay: $root has no /usr/bin/node (install nodejs)" >&2; exit 1; }

# Files: owned by root, modes as in the repository.
cp -rT --no-preserve=ownership "$here/overlay" "$root"

# The node's unprivileged user (fixed uid/gid 990, see usr/lib/sysusers.d/p2p-portal.conf).
chroot "$root" systemd-sysusers /usr/lib/sysusers.d/p2p-portal.conf
# Raspberry Pi Imager's first-run script renames the uid-1000 user and sets its password and SSH key;
# until then the account is locked, and nobody can log in.
# (Raspberry Pi OS via pi-gen already has its first user: leave it be.)
if ! chroot "$root" getent passwd 1000 >/dev/null; then
  chroot "$root" useradd --create-home --uid 1000 --user-group --shell /bin/bash --groups sudo pi
  chroot "$root" usermod -L pi
  install -m 0440 "$here/lib/010_pi-nopasswd" "$root/etc/sudoers.d/010_pi-nopasswd"
fi

# The app, as the release the update helper (services/update/release-installer.ts) finds at its first start and
# takes as good. A relative link, as the helper writes it: the tree also works mounted elsewhere (a rescue).
version=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$app/package.json" | head -1)
[ -n "$version" ] || { echo "install-overlay: no version in $app/package.json" >&2; exit 1; }
[ -d "$app/systemd" ] || { echo "install-overlay: $app has no systemd/ (made by build-app.sh)" >&2; exit 1; }
rm -rf "$root/opt/p2p-portal"
mkdir -p "$root/opt/p2p-portal/releases"
cp -rT --no-preserve=ownership "$app" "$root/opt/p2p-portal/releases/$version"
ln -s "releases/$version" "$root/opt/p2p-portal/current"
install -d -m 0755 "$root/opt/p2p-portal/image"
install -m 0644 "$here/README.md" "$root/opt/p2p-portal/image/README.md" 2>/dev/null || true
install -d -o 990 -g 990 -m 0750 "$root/var/lib/p2p-portal"
# The units that run release code come with the release: linked, so switching `current` switches them too.
for unit in "$root/opt/p2p-portal/current/systemd/"*; do
  ln -sfn "/opt/p2p-portal/current/systemd/$(basename "$unit")" "$root/etc/systemd/system/$(basename "$unit")"
done
# What the image bakes into every node's settings (p2p-portal-setup puts it in node.conf before the organiser's
# lines, which cannot name these keys): the release drive to follow, and the update helper's socket.
{
  echo "# Baked into the image by install-overlay.sh; p2p-portal-setup copies it into node.conf."
  if [ -n "${RELEASE_KEY:-}" ]; then
    echo "release-key = $RELEASE_KEY"
    echo "updater-socket = /run/p2p-portal/updater.sock"
  fi
} > "$root/usr/lib/p2p-portal/node-defaults.conf"

# Units: the appliance on; SSH off until Imager (or the organiser) turns it on.
systemctl --root="$root" enable p2p-portal.service p2p-portal-setup.service p2p-portal-firewall.service \
  p2p-portal-netd.socket p2p-portal-updater.socket p2p-portal-update-recover.service \
  NetworkManager.service avahi-daemon.service >/dev/null 2>&1
# systemctl writes the wants link of a linked unit to the file it resolves to today (releases/<version>/...); that
# folder is deleted two updates later. Through /etc/systemd/system, the link follows `current` instead.
for unit in "$root/opt/p2p-portal/current/systemd/"*; do
  name=$(basename "$unit")
  for wants in "$root"/etc/systemd/system/*.wants/"$name"; do
    [ -L "$wants" ] && ln -sfn "/etc/systemd/system/$name" "$wants"
  done
done
systemctl --root="$root" disable ssh.service >/dev/null 2>&1 || true
# Debian's own firewall loader would "flush ruleset" and wipe NetworkManager's shared-mode table.
systemctl --root="$root" disable nftables.service >/dev/null 2>&1 || true
# Waits for a network that a hotspot-only Pi never gets "online"; nothing here needs it.
systemctl --root="$root" disable NetworkManager-wait-online.service >/dev/null 2>&1 || true
