#!/bin/bash
# Makes a node data dir holding one published drive, for seeding into a test image:
#   seed-drive.sh OUT_DATA_DIR
# Runs the node (this commit's code, x86 host) with --share on a small folder of known files until the
# drive is published, then stops it cleanly; the test later fetches the same files from the booted image.
# Prints the drive key on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: seed-drive.sh OUT_DATA_DIR}
ref=${IMAGE_APP_REF:-HEAD}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/p2p-seed.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
if [ "$ref" = worktree ]; then
  (cd "$repo" && tar -c --exclude=./node_modules --exclude=./dist --exclude=./image/build --exclude=./.git .) | tar -x -C "$tmp/src"
else
  git -C "$repo" archive "$ref" | tar -x -C "$tmp/src"
fi
ln -s "$repo/node_modules" "$tmp/src/node_modules"
(cd "$tmp/src" && npm run --silent build)

share=$tmp/share
mkdir -p "$share/docs"
printf 'Hello from the drive seeded into the p2p-portal test image.\n' > "$share/hello.txt"
printf '<!doctype html><title>seeded</title><h1>Seeded drive</h1>\n' > "$share/index.html"
head -c 262144 /dev/zero | tr '\0' 'p' > "$share/docs/quarter-mebibyte.txt"

rm -rf "$out"; mkdir -p "$out"
port=$(( 43000 + RANDOM % 5000 ))
(cd "$tmp/src" && exec node bin/p2p-portal.js start --data "$out" --share "$share" --port "$port" \
  --no-internet --name "Seed node" --mdns-interfaces lo --log-level warn) > "$tmp/node.log" 2>&1 &
pid=$!
key=
for _ in $(seq 60); do
  key=$(curl -s -m 2 "http://127.0.0.1:$port/api/status" 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      try { const d = JSON.parse(s).drives.find(d => d.own && d.files >= 3); if (d) console.log(d.key) } catch {}
    })') || true
  [ -n "$key" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/node.log" >&2; echo "seed node exited" >&2; exit 1; }
  sleep 1
done
[ -n "$key" ] || { cat "$tmp/node.log" >&2; echo "seed drive was not published within 60 s" >&2; exit 1; }
kill -TERM "$pid"; wait "$pid" || true; pid=
echo "$key" > "$out/../seed-drive.key" 2>/dev/null || true
echo "$key"
