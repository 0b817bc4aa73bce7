// Summarises a `node --cpu-prof` profile: self time per function and per package, busiest first.
//   node bench/lib/profile-summary.mjs FILE.cpuprofile [TOP]
import fs from 'node:fs'

const [file, topArg] = process.argv.slice(2)
const top = Number(topArg ?? 25)
const prof = JSON.parse(fs.readFileSync(file, 'utf8'))
const byId = new Map(prof.nodes.map(n => [n.id, n]))
const self = new Map()
const dt = prof.timeDeltas
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0))
const fn = new Map()
const pkg = new Map()
let total = 0
for (const [id, us] of self) {
  const n = byId.get(id)
  const cf = n.callFrame
  const url = cf.url || ''
  const p = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/dist/') ? 'p2p-portal' : url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url ? 'other' : cf.functionName || '(native)')
  const key = `${cf.functionName || '(anonymous)'} ${p}${url ? ':' + (cf.lineNumber + 1) : ''}`
  fn.set(key, (fn.get(key) ?? 0) + us)
  pkg.set(p, (pkg.get(p) ?? 0) + us)
  total += us
}
const ms = (us) => (us / 1000).toFixed(0).padStart(6) + ' ms'
const pct = (us) => (100 * us / total).toFixed(1).padStart(5) + ' %'
console.log(`total ${ms(total)} sampled`)
console.log('\nby package:')
for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ${pct(v)}  ${k}`)
console.log('\nby function (self):')
for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ${pct(v)}  ${k}`)
