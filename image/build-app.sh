#!/bin/bash
# Prepares the app tree that goes to /opt/p2p-portal/releases/<version>/ in the image (and, given to
# `p2p-portal release --from`, into a release): compiled dist/, bin/, web assets, arm64 node_modules resolved on
# this (x86) host from package-lock.json, and systemd/, the unit files that are switched with the release.
#   image/build-app.sh OUT_DIR
# The source is the committed tree (git archive of IMAGE_APP_REF, default HEAD), so the same commit
# gives the same app; IMAGE_APP_REF=worktree takes the working tree as it is (local development).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib/common.sh"
out=${1:?usage: build-app.sh OUT_DIR}
ref=${IMAGE_APP_REF:-HEAD}

src=$(mktemp -d "${TMPDIR:-/tmp}/p2p-app-src.XXXXXX")
trap 'rm -rf "$src"' EXIT
if [ "$ref" = worktree ]; then
  (cd "$repo" && tar -c --exclude=./node_modules --exclude=./dist --exclude=./image/build --exclude=./.git \
    --exclude=./data --exclude=./test-results .) | tar -x -C "$src"
else
  git -C "$repo" archive "$ref" | tar -x -C "$src"
fi

# Compile with the host's dev dependencies (typescript); they never reach the image.
[ -x "$repo/node_modules/.bin/tsc" ] || (cd "$repo" && npm ci --no-audit --no-fund)
ln -s "$repo/node_modules" "$src/node_modules"
# `npm run build` compiles with tsc and bundles dist/bundle/, what bin/ runs (scripts/bundle-dist.mjs).
(cd "$src" && npm run --silent build)
rm "$src/node_modules"
# The node's one addon (malloc_trim, native/malloc-trim.c), for the Pi; the host's own build of it stays behind.
rm -rf "$src/dist/native"
node "$src/scripts/build-native.mjs" --cc aarch64-linux-gnu-gcc --target linux-arm64 --dist "$src/dist" --required

rm -rf "$out"
mkdir -p "$out"
cp "$src/package.json" "$src/package-lock.json" "$out/"
cp -r "$src/bin" "$src/dist" "$out/"
# The units that run this release's code (node, network helper, update helper): /etc/systemd/system links to
# /opt/p2p-portal/current/systemd/, so they change with the release `current` points at.
cp -r "$src/image/units" "$out/systemd"
# Non-TypeScript web assets (styles, images), if any, are served from the source tree's web/.
if [ -d "$src/web" ]; then
  (cd "$src" && find web -type f ! -name '*.ts' -print0 | xargs -0r cp --parents -t "$out")
fi

# The lock pins every version; --os/--cpu choose the linux-arm64 optional packages. Native modules
# ship prebuilds inside their tarballs and have no install scripts, so nothing compiles here.
(cd "$out" && npm ci --omit=dev --os=linux --cpu=arm64 --ignore-scripts --no-audit --no-fund --loglevel=error)

# Other platforms' prebuilds are most of node_modules (rocksdb-native alone ~160 MB).
before=$(du -sm "$out/node_modules" | cut -f1)
find "$out/node_modules" -type d -name prebuilds -prune -print0 | while IFS= read -r -d '' d; do
  find "$d" -mindepth 1 -maxdepth 1 ! -name 'linux-arm64' -exec rm -rf {} +
done
find "$out/node_modules" \( -name '*.md' -o -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' \) -type f -delete
after=$(du -sm "$out/node_modules" | cut -f1)
log "app tree $out: node_modules ${before} MB -> ${after} MB after pruning other platforms"
arm=$(find "$out/node_modules" -path '*prebuilds/linux-arm64*' -name '*.node' | wc -l)
[ "$arm" -gt 0 ] || die "no linux-arm64 native prebuilds found in node_modules"
