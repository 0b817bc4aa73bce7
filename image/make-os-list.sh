#!/bin/bash
# Writes a Raspberry Pi Imager repository file (os_list JSON) for one image to stdout:
#   make-os-list.sh IMAGE.img PACKED(.img.xz|.img.zst)
# Use it with `rpi-imager --repo FILE`. IMAGE_URL_BASE is where PACKED (and p2p-portal-icon.png) will
# be published; by default the file:// path of the local copy, so a maintainer can flash from it.
# init_format "systemd": Imager then writes firstrun.sh + "systemd.run=" for its OS customisation,
# which the image honours (usr/lib/p2p-portal/imager-firstrun).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
img=${1:?usage: make-os-list.sh IMAGE PACKED}
packed=${2:?usage: make-os-list.sh IMAGE PACKED}
repo=$(cd "$here/.." && pwd)
version=$(node -p "require('$repo/package.json').version")
url_base=${IMAGE_URL_BASE:-file://$(cd "$(dirname "$packed")" && pwd)}
icon=${IMAGE_ICON_URL:-}
if [ -z "$icon" ]; then
  cp "$here/p2p-portal-icon.png" "$(dirname "$packed")/"
  icon=$url_base/p2p-portal-icon.png
fi
# Imager's device tags: Zero 2 W and Pi 3 share pi3-64bit, Pi 400 is pi4-64bit. No pi5 tag: the Pi 5
# needs a newer kernel than trixie's (see image/README.md), so Imager should not offer it there.
IMG_SIZE=$(stat -c %s "$img") IMG_SHA=$(sha256sum "$img" | cut -d' ' -f1) \
PACKED_SIZE=$(stat -c %s "$packed") PACKED_SHA=$(sha256sum "$packed" | cut -d' ' -f1) \
URL="$url_base/$(basename "$packed")" ICON="$icon" VERSION="$version" \
RELEASE_DATE=${IMAGE_RELEASE_DATE:-$(git -C "$repo" log -1 --format=%cs 2>/dev/null || date -u +%F)} \
node -e '
const e = process.env
const entry = {
  name: `p2p-portal ${e.VERSION}`,
  description: "Offline library and captive portal: phones join its Wi-Fi and browse drives shared peer to peer (Debian trixie, 64-bit)",
  icon: e.ICON,
  url: e.URL,
  extract_size: Number(e.IMG_SIZE),
  extract_sha256: e.IMG_SHA,
  image_download_size: Number(e.PACKED_SIZE),
  image_download_sha256: e.PACKED_SHA,
  release_date: e.RELEASE_DATE,
  init_format: "systemd",
  devices: ["pi4-64bit", "pi3-64bit"]
}
process.stdout.write(JSON.stringify({ os_list: [entry] }, null, 2) + "\n")
'
