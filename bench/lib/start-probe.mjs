// What a node loads before READY=1, and what its start cost in CPU: preload it into a node started by hand,
//   START_PROBE_OUT=/tmp/start.txt node --import ./bench/lib/start-probe.mjs bin/p2p-portal.js start --data DIR ...
// When the node prints its "ready in" line, START_PROBE_OUT gets the CPU (user + system) and wall time since the
// process started, the ES modules loaded (how many, of which dist/), and every CommonJS package's compile-and-run
// time (exclusive of the modules it requires) with its module count. Not used by the benches themselves.
import fs from 'node:fs'
import Module, { register } from 'node:module'

const out = process.env.START_PROBE_OUT ?? '/tmp/start-probe.txt'

// ES modules: counted by a load hook (hooks run on their own thread; the count is posted back).
const { port1, port2 } = new MessageChannel()
const esm = []
port1.on('message', (url) => esm.push(url))
port1.unref()
register('data:text/javascript,' + encodeURIComponent(`
  let port
  export function initialize (data) { port = data.port }
  export async function load (url, context, next) { port.postMessage(url); return next(url, context) }
`), { data: { port: port2 }, transferList: [port2] })

// CommonJS: every module's compile and first run, minus the modules it requires meanwhile.
const byPackage = new Map()
const stack = []
const compile = Module.prototype._compile
Module.prototype._compile = function (content, filename) {
  const t0 = performance.now()
  stack.push(0)
  try {
    return compile.call(this, content, filename)
  } finally {
    const children = stack.pop()
    const total = performance.now() - t0
    if (stack.length) stack[stack.length - 1] += total
    const i = filename.lastIndexOf('node_modules/')
    const parts = i < 0 ? [filename] : filename.slice(i + 13).split('/')
    const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
    const e = byPackage.get(pkg) ?? { modules: 0, ms: 0 }
    e.modules++
    e.ms += total - children
    byPackage.set(pkg, e)
  }
}

function report () {
  const cpu = process.cpuUsage()
  const rows = [...byPackage].sort((a, b) => b[1].ms - a[1].ms)
  const cjsMs = rows.reduce((n, [, e]) => n + e.ms, 0)
  const cjsModules = rows.reduce((n, [, e]) => n + e.modules, 0)
  const files = esm.filter(u => u.startsWith('file:'))
  fs.writeFileSync(out, [
    `ready: cpu ${Math.round((cpu.user + cpu.system) / 1000)} ms, wall ${Math.round(performance.now())} ms since the process started`,
    `ES modules: ${files.length} files (${files.filter(u => u.includes('/dist/')).length} of dist/), ${esm.length - files.length} built-in`,
    `CommonJS: ${cjsModules} modules, ${cjsMs.toFixed(1)} ms compiling and running them`,
    ...rows.map(([pkg, e]) => `${e.ms.toFixed(1).padStart(8)} ms ${String(e.modules).padStart(4)}  ${pkg}`),
    '', 'ES modules loaded:', ...files
  ].join('\n') + '\n')
}

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream)
  stream.write = (chunk, ...rest) => {
    if (String(chunk).includes(' ready in ')) report()
    return write(chunk, ...rest)
  }
}
