// Compiles the project's one native addon, native/malloc-trim.c, into dist/native/<platform>-<arch>/malloc-trim.node.
//   node scripts/build-native.mjs                         (npm run build: for this machine, with `cc`)
//   node scripts/build-native.mjs --cc aarch64-linux-gnu-gcc --target linux-arm64 --dist DIR --required
//                                                         (image/build-app.sh: for the Pi, cross-compiled)
// It uses only Node-API's C headers, which every Node install carries (include/node beside bin/node), so nothing is
// downloaded and the addon loads in any Node >= 12 of the same platform. Without a C compiler (a laptop that has
// none) it says so and builds nothing: the node then runs without giving freed malloc memory back, and says that
// once in its log. --required (the image) turns that into a failure.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback }
const cc = opt('--cc', process.env.CC ?? 'cc')
const target = opt('--target', `${process.platform}-${process.arch}`)
const dist = path.resolve(opt('--dist', path.join(root, 'dist')))
const required = args.includes('--required')

function fail (message) {
  if (required) { console.error(`build-native: ${message}`); process.exit(1) }
  console.warn(`build-native: ${message}; the node will run without returning freed malloc memory (see native/malloc-trim.c)`)
  process.exit(0)
}

const headers = [path.resolve(path.dirname(process.execPath), '../include/node'), '/usr/include/node', '/usr/local/include/node']
  .find(dir => fs.existsSync(path.join(dir, 'node_api.h')))
if (!headers) fail('no Node-API headers (node_api.h) beside this Node')

const out = path.join(dist, 'native', target, 'malloc-trim.node')
fs.mkdirSync(path.dirname(out), { recursive: true })
try {
  // The napi_* functions are left undefined: they are the node binary's own, resolved when it loads the addon.
  execFileSync(cc, ['-O2', '-Wall', '-Werror', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=malloc_trim', `-I${headers}`,
    path.join(root, 'native/malloc-trim.c'), '-o', out], { stdio: ['ignore', 'inherit', 'inherit'] })
} catch (err) {
  fail(err.code === 'ENOENT' ? `no C compiler (${cc})` : `${cc} failed: ${err.message.split('\n')[0]}`)
}
