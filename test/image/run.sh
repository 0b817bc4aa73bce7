#!/bin/bash
# make image-test / image-test-pair: seed a drive, build the test image from the cached rootfs, boot it.
#   run.sh boot|pair
# The test image is the release image plus a node data dir holding one drive (seeded here) and a test release key
# (made here, at test time: never a committed secret); it is written to dist/image-test/ with fast zstd
# compression, beside what the update checks need: the key file, this commit compiled for the host (to publish
# releases and run the host node on the test LAN), and the arm64 app tree the image carries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
what=${1:-boot}
out=$repo/dist/image-test
mkdir -p "$out"
version=$(node -p "require('$repo/package.json').version")
img=$out/p2p-portal-$version-arm64.img

if [ "${IMAGE_TEST_REUSE:-0}" != 1 ] || [ ! -s "$img" ] || [ ! -s "$out/release-test.key" ]; then
  seed=$out/seed
  key=$("$here/seed-drive.sh" "$seed/data")
  echo "$key" > "$out/seed.key"
  "$here/host-app.sh" "$out/host"
  rm -f "$out/release-test.key"
  # A TEST key, made for this image only: the releases the update checks publish are signed with it.
  release_key=$(cd "$out/host" && node --input-type=module -e '
    const { loadOrCreateKeyFile } = await import("./dist/services/update/release-key-file.js")
    console.log((await loadOrCreateKeyFile(process.argv[1])).releaseKey)' "$out/release-test.key")
  echo "$release_key" > "$out/release-test.pub"
  RELEASE_KEY=$release_key IMAGE_OUT=$out IMAGE_COMPRESS=${IMAGE_COMPRESS:-zstd} IMAGE_SEED_DATA=$seed/data \
    IMAGE_WORK=$repo/image/build/test "$repo/image/build-image.sh" >/dev/null
  rm -rf "$out/app"; cp -a "$repo/image/build/test/app" "$out/app"
fi
key=$(cat "$out/seed.key")
export UPDATE_TEST_DIR=$out
case "$what" in
  boot) exec "$here/boot-test.sh" "$img" "$key" ;;
  pair) exec "$here/pair-test.sh" "$img" "$key" ;;
  *) echo "usage: run.sh boot|pair" >&2; exit 2 ;;
esac
