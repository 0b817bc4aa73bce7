// bench/region, part 1: the region as one library, simulated. 1,000 nodes and 10,000 drives of mixed sizes go
// through churn twice, on the same world: once with region placement (services/mirror/region-placement.ts),
// once with today's policy (decide() in mirror-policy.ts), so the anchor is measured in the same run.
// Not a test: it prints figures, it asserts nothing. Needs no root and no namespaces.
import { RegionSim, type PolicyName } from './lib/region-simulator.js'
import { median, table } from './lib/report.js'

export interface RegionBenchOptions {
  nodes: number
  drives: number
  copies: number
  /** Disks total 3× the library with the publishers' own drives included (no room to spare at 2 copies). */
  tight: boolean
  /** Rounds allowed after each change (today's policy never goes quiet: it is cut off here). */
  maxRounds: number
  /** Rounds allowed for the first fill. */
  fillRounds: number
}

const MB = 1024 * 1024
const GB = 1024 * MB

/** A seeded generator, so both policies (and every run) see the same world. */
function prng (seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (x + 0x6d2b79f5) >>> 0
    let t = Math.imul(x ^ (x >>> 15), 1 | x)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

interface World { sizes: number[], publishers: number[], disks: number[], library: number }

/**
 * Drives: 60 % 10–100 MB, 30 % 100 MB–1 GB, 10 % 1–4 GB. Disks: 1, 2, 4 or 8 shares (an SD card's sizes),
 * the shares totalling 3× the library; a node's cap adds its own drives on top unless `tight`.
 */
function world (opts: RegionBenchOptions, random: () => number): World {
  const between = (lo: number, hi: number) => Math.round(lo * (hi / lo) ** random())
  const sizes = Array.from({ length: opts.drives }, () => {
    const r = random()
    return r < 0.6 ? between(10 * MB, 100 * MB) : r < 0.9 ? between(100 * MB, GB) : between(GB, 4 * GB)
  })
  const publishers = sizes.map(() => Math.floor(random() * opts.nodes))
  const library = sizes.reduce((a, b) => a + b, 0)
  const shares = Array.from({ length: opts.nodes + 1000 }, () => 2 ** Math.floor(random() * 4))
  const perShare = 3 * library / shares.slice(0, opts.nodes).reduce((a, b) => a + b, 0)
  return { sizes, publishers, disks: shares.map(s => Math.round(s * perShare)), library }
}

function build (policy: PolicyName, w: World, opts: RegionBenchOptions): RegionSim {
  const sim = new RegionSim({ policy, copies: opts.copies })
  const own = new Array(opts.nodes).fill(0)
  w.sizes.forEach((bytes, j) => { own[w.publishers[j]] += bytes })
  for (let i = 0; i < opts.nodes; i++) sim.addNode(`node-${i}`, w.disks[i] + (opts.tight ? 0 : own[i]))
  w.sizes.forEach((bytes, j) => sim.publish(`drive-${j}`, bytes, `node-${w.publishers[j]}`))
  return sim
}

interface Settled { rounds: number, toTarget: number | null, moved: number, repaired: number, evicted: number, seconds: number }

/** Rounds until one changes nothing; notes the first round after which every drive that still exists is at target. */
function settle (sim: RegionSim, target: number, maxRounds: number): Settled {
  const started = process.hrtime.bigint()
  const out: Settled = { rounds: maxRounds, toTarget: belowTarget(sim, target) === 0 ? 0 : null, moved: 0, repaired: 0, evicted: 0, seconds: 0 }
  for (let i = 1; i <= maxRounds; i++) {
    const r = sim.step()
    out.moved += r.bytesTaken
    out.evicted += r.bytesEvicted
    out.repaired += r.bytesRepaired
    if (out.toTarget === null && belowTarget(sim, target) === 0) out.toTarget = i
    if (r.takes === 0 && r.evictions === 0) { out.rounds = i - 1; break }
  }
  out.seconds = Number(process.hrtime.bigint() - started) / 1e9
  return out
}

function belowTarget (sim: RegionSim, target: number): number {
  let n = 0
  for (const d of sim.drives.keys()) if (!sim.lost(d) && sim.copiesOf(d) < target) n++
  return n
}

function lostCount (sim: RegionSim): number {
  let n = 0
  for (const d of sim.drives.keys()) if (sim.lost(d)) n++
  return n
}

function distribution (sim: RegionSim): string[] {
  const copies = [...sim.drives.keys()].map(d => sim.copiesOf(d)).sort((a, b) => a - b)
  const hist = [0, 0, 0, 0, 0, 0]
  for (const c of copies) hist[Math.min(c, 5)]++
  return [String(copies[0]), String(copies[Math.floor(copies.length / 10)]), String(median(copies)), hist.join(' / ')]
}

/** Non-own copies held by the nodes about to leave: what the region loses with them. */
function copiesHeldBy (sim: RegionSim, keys: string[]): number {
  let bytes = 0
  for (const key of keys) {
    for (const d of sim.nodes.get(key)?.copies.keys() ?? []) {
      const drive = sim.drives.get(d)!
      if (drive.publisher !== key) bytes += drive.bytes
    }
  }
  return bytes
}

interface Event { name: string, leave: string[], join: number }

/** The same churn for both policies, drawn once: nodes leaving, nodes joining, publishers leaving. */
function churn (opts: RegionBenchOptions, w: World, random: () => number): Event[] {
  const alive = Array.from({ length: opts.nodes }, (_, i) => `node-${i}`)
  const published = new Set(w.publishers.map(i => `node-${i}`))
  let next = opts.nodes
  const pick = (n: number, from: (k: string) => boolean) => {
    const out: string[] = []
    while (out.length < n) {
      const candidates = alive.filter(from)
      if (candidates.length === 0) break
      const key = candidates[Math.floor(random() * candidates.length)]
      alive.splice(alive.indexOf(key), 1)
      out.push(key)
    }
    return out
  }
  const events: Event[] = []
  const join = (n: number) => { for (let i = 0; i < n; i++) alive.push(`node-${next++}`); return n }
  for (let cycle = 0; cycle < 2; cycle++) {
    const leavers = Math.round(opts.nodes / 50)
    events.push({ name: `${leavers} nodes leave`, leave: pick(leavers, () => true), join: 0 })
    events.push({ name: `${leavers} new nodes join`, leave: [], join: join(leavers) })
    events.push({ name: `${leavers / 2} publishers leave`, leave: pick(leavers / 2, k => published.has(k)), join: 0 })
    events.push({ name: `${leavers / 2} leave, ${leavers / 2} join`, leave: pick(leavers / 2, () => true), join: join(leavers / 2) })
  }
  return events
}

const gb = (bytes: number) => `${(bytes / GB).toFixed(0)} GB`

export async function benchRegion (opts: RegionBenchOptions): Promise<void> {
  const random = prng(9)
  const w = world(opts, random)
  const events = churn(opts, w, random)
  console.log(`\nbench/region (simulation): ${opts.nodes} nodes, ${opts.drives} drives, library ${gb(w.library)}, ` +
    `copies ${opts.copies}, disks ${opts.tight ? '3× the library, own drives included' : 'own drives + 3× the library'}`)
  const results = new Map<PolicyName, { start: Settled, startLost: number, startDist: string[], events: Array<{ lost: number, below: number, lostBytes: number, s: Settled, dist: string[] }> }>()
  for (const policy of ['region', 'today'] as const) {
    const sim = build(policy, w, opts)
    const start = settle(sim, opts.copies, opts.fillRounds)
    console.log(`${policy}: initial fill in ${start.rounds} rounds (${start.seconds.toFixed(1)} s)`)
    const out = { start, startLost: lostCount(sim), startDist: distribution(sim), events: [] as Array<{ lost: number, below: number, lostBytes: number, s: Settled, dist: string[] }> }
    let joined = opts.nodes
    for (const e of events) {
      const lostBytes = copiesHeldBy(sim, e.leave)
      for (const key of e.leave) sim.removeNode(key)
      for (let i = 0; i < e.join; i++, joined++) sim.addNode(`node-${joined}`, w.disks[joined])
      const below = belowTarget(sim, opts.copies)
      const s = settle(sim, opts.copies, opts.maxRounds)
      out.events.push({ lost: lostCount(sim), below, lostBytes, s, dist: distribution(sim) })
      console.log(`${policy}: ${e.name}: ${s.rounds} rounds (${s.seconds.toFixed(1)} s)`)
    }
    results.set(policy, out)
  }

  const rounds = (s: Settled, max = opts.maxRounds) => `${s.toTarget ?? `> ${max}`} / ${s.rounds >= max ? `> ${max - 1}` : s.rounds}`
  const rows: string[][] = []
  for (const policy of ['region', 'today'] as const) {
    const r = results.get(policy)!
    rows.push([policy, 'initial fill', String(r.startLost), String(opts.drives), rounds(r.start, opts.fillRounds), '', gb(r.start.moved), '', gb(r.start.evicted), ...r.startDist])
    r.events.forEach((e, i) => {
      const ratio = e.lostBytes > 0 ? `${(e.s.repaired / e.lostBytes).toFixed(2)} / ${(e.s.moved / e.lostBytes).toFixed(2)}` : ''
      rows.push([policy, events[i].name, String(e.lost), String(e.below), rounds(e.s), gb(e.lostBytes), `${gb(e.s.repaired)} / ${gb(e.s.moved)}`, ratio, gb(e.s.evicted), ...e.dist])
    })
  }
  console.log('\n' + table(['policy', 'event', 'drives lost (total)', 'below target after', 'rounds to target / to quiet', 'copies lost', 'moved: repairs / all', '× copies lost', 'evicted', 'min', 'p10', 'median', 'copies 0/1/2/3/4/5+'], rows))
}
