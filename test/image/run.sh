#!/bin/bash
# make image-test / image-test-pair: seed a drive, build the test image from the cached rootfs, boot it.
#   run.sh boot|pair
# The test image is the release image plus a node data dir holding one drive (seeded here); it is
# written to dist/image-test/ with fast zstd compression.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
what=${1:-boot}
out=$repo/dist/image-test
mkdir -p "$out"
version=$(node -p "require('$repo/package.json').version")
img=$out/p2p-portal-$version-arm64.img

if [ "${IMAGE_TEST_REUSE:-0}" != 1 ] || [ ! -s "$img" ]; then
  seed=$out/seed
  key=$("$here/seed-drive.sh" "$seed/data")
  echo "$key" > "$out/seed.key"
  IMAGE_OUT=$out IMAGE_COMPRESS=${IMAGE_COMPRESS:-zstd} IMAGE_SEED_DATA=$seed/data IMAGE_WORK=$repo/image/build/test \
    "$repo/image/build-image.sh" >/dev/null
fi
key=$(cat "$out/seed.key")
case "$what" in
  boot) exec "$here/boot-test.sh" "$img" "$key" ;;
  pair) exec "$here/pair-test.sh" "$img" "$key" ;;
  *) echo "usage: run.sh boot|pair" >&2; exit 2 ;;
esac
