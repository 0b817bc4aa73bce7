#!/bin/bash
# This commit compiled for the build host (x86), with the repository's node_modules linked in: what publishes the
# test releases and runs the host node on the image test's LAN.
#   host-app.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: host-app.sh OUT_DIR}
ref=${IMAGE_APP_REF:-HEAD}
rm -rf "$out"; mkdir -p "$out"
if [ "$ref" = worktree ]; then
  (cd "$repo" && tar -c --exclude=./node_modules --exclude=./dist --exclude=./image/build --exclude=./.git \
    --exclude=./data --exclude=./test-results .) | tar -x -C "$out"
else
  git -C "$repo" archive "$ref" | tar -x -C "$out"
fi
ln -s "$(readlink -f "$repo/node_modules")" "$out/node_modules"
(cd "$out" && npm run --silent build)
