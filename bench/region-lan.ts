// bench/region, part 2: the region on 10 real nodes in namespaces (real catalogues, real replication), once with
// region placement and once with the policy before it (decide(), through P2P_PORTAL_PLACEMENT=lru, see
// Config.placement), on the same drives in the same run. 4 publishers that only publish one drive each, 6 mirrors
// with room for 2 of them: 12 places for the 8 copies that 2 copies of every drive need, so 4 are extras. Then
// the mirror holding the scarcest copies is killed: the 10 places left still hold 2 copies of every drive, if the
// extras make room. Not a test: it prints figures, it asserts nothing. Needs root.
import { createLan, type LanNode } from '../test/helpers/netns.js'
import { startNode, type NodeProcess } from '../test/helpers/node-process.js'
import { makeMediaFolder, type MediaFolder } from '../test/helpers/media-folder.js'
import { removeTempDirs } from '../test/helpers/temp-dir.js'
import { mb, table } from './lib/report.js'

export interface RegionLanOptions {
  publishers: number
  mirrors: number
  /** Files of 1 MiB in each drive. */
  files: number
  /** Mirror cap, e.g. 7M: room for two drives of 3 MiB. */
  cap: string
  copies: number
  /** --holder-grace, the same on every node and for both policies. */
  graceS: number
  /** A placement is settled when no mirror's complete drives changed for this long. */
  quietS: number
  timeoutS: number
}

type Placement = 'region' | 'lru'

interface Phase {
  /** Seconds until every drive is complete on ≥ copies mirrors (null: not within the timeout). */
  toTarget: number | null
  /** Seconds until the last change before a quiet window (null: never quiet within the timeout). */
  settled: number | null
  /** Bytes received by the mirrors (their interfaces' rx counters: replication, catalogues, status polls). */
  bytes: number
  /** Per drive, mirrors holding it complete at the end. */
  copies: number[]
  /** Drives the mirrors evicted during the phase (from their status, which keeps the last 10 each). */
  evictions: number
  /** Mirrors started during the phase, as the mirrors' logs say ("[mirror] mirroring …"). */
  fetches: number
}

interface Run { placement: Placement, fill: Phase, repair: Phase, lostBytes: number, killed: string }

/** Per drive title, the mirrors holding it complete. */
async function holders (mirrors: NodeProcess[], titles: string[]): Promise<Map<string, string[]>> {
  const by = new Map<string, string[]>(titles.map(t => [t, []]))
  await Promise.all(mirrors.map(async m => {
    for (const d of (await m.status()).drives) if (d.complete && by.has(d.title)) by.get(d.title)!.push(m.lan.ns)
  }))
  return by
}

async function rx (nodes: LanNode[]): Promise<number> {
  const counts = await Promise.all(nodes.map(async n => Number((await n.exec('cat', [`/sys/class/net/${n.dev}/statistics/rx_bytes`])).stdout.trim())))
  return counts.reduce((a, b) => a + b, 0)
}

/** Polls once a second until the placement is quiet for `quietS` (or the timeout), timing the milestones. */
async function evictions (mirrors: NodeProcess[]): Promise<number> {
  const counts = await Promise.all(mirrors.map(async m => (await m.status()).evictions.length as number))
  return counts.reduce((a, b) => a + b, 0)
}

const fetchesOf = (mirrors: NodeProcess[]) => mirrors.reduce((n, m) => n + m.logs.filter(l => l.startsWith('[mirror] mirroring ')).length, 0)

async function watch (mirrors: NodeProcess[], titles: string[], opts: RegionLanOptions, started: number, rx0: number, evicted0 = 0, fetched0 = 0): Promise<Phase> {
  let toTarget: number | null = null
  let last = ''
  let changedAt = started
  let by = await holders(mirrors, titles)
  while (Date.now() - started < opts.timeoutS * 1000) {
    by = await holders(mirrors, titles)
    const now = Date.now()
    const shape = JSON.stringify([...by].map(([t, h]) => [t, [...h].sort()]))
    if (shape !== last) { last = shape; changedAt = now }
    if (toTarget === null && [...by.values()].every(h => h.length >= opts.copies)) toTarget = (now - started) / 1000
    if (now - changedAt >= opts.quietS * 1000) break
    await new Promise(resolve => setTimeout(resolve, 1000))
  }
  const quiet = Date.now() - changedAt >= opts.quietS * 1000
  return { toTarget, settled: quiet ? (changedAt - started) / 1000 : null, bytes: await rx(mirrors.map(m => m.lan)) - rx0, copies: titles.map(t => by.get(t)!.length), evictions: await evictions(mirrors) - evicted0, fetches: fetchesOf(mirrors) - fetched0 }
}

async function runOnce (placement: Placement, folders: MediaFolder[], titles: string[], opts: RegionLanOptions): Promise<Run> {
  const lan = await createLan({ nodes: opts.publishers + opts.mirrors })
  try {
    const env = { P2P_PORTAL_PLACEMENT: placement }
    const common = ['--holder-grace', String(opts.graceS), '--copies', String(opts.copies)]
    await Promise.all(folders.map((f, i) => startNode(lan.nodes[i], { name: `publisher-${i}`, share: [f.dir], env, args: ['--mirror', 'followed', ...common] })))
    // Counted from before the mirrors start: they fetch as soon as they meet the publishers.
    const mirrorNs = lan.nodes.slice(opts.publishers)
    const rx0 = await rx(mirrorNs)
    const started = Date.now()
    const mirrors = await Promise.all(mirrorNs.map((n, i) => startNode(n, { name: `mirror-${i}`, env, args: ['--max-total-size', opts.cap, ...common] })))
    const fill = await watch(mirrors, titles, opts, started, rx0)
    // The mirror holding the scarcest copies goes: the one whose least-held drive has the fewest mirrors.
    const by = await holders(mirrors, titles)
    const scarcity = (m: NodeProcess) => Math.min(Infinity, ...[...by.values()].filter(h => h.includes(m.lan.ns)).map(h => h.length))
    const victim = [...mirrors].sort((a, b) => scarcity(a) - scarcity(b))[0]
    const lostBytes = (await victim.status()).drives.filter((d: any) => d.complete && !d.own).reduce((n: number, d: any) => n + d.bytes, 0)
    const survivors = mirrors.filter(m => m !== victim)
    const rx1 = await rx(survivors.map(m => m.lan))
    const evicted1 = await evictions(survivors)
    const killedAt = Date.now()
    await victim.kill()
    const repair = await watch(survivors, titles, opts, killedAt, rx1, evicted1, fetchesOf(survivors))
    return { placement, fill, repair, lostBytes, killed: victim.lan.ns }
  } finally {
    await lan.destroy()
  }
}

/** The anchor: what one mirror receives for one copy of one drive when it is the only node fetching it. */
async function oneCopy (folder: MediaFolder, title: string): Promise<{ bytes: number, driveBytes: number }> {
  const lan = await createLan({ nodes: 2 })
  try {
    await startNode(lan.nodes[0], { name: 'publisher', share: [folder.dir], args: ['--mirror', 'followed'] })
    const rx0 = await rx([lan.nodes[1]])
    const mirror = await startNode(lan.nodes[1], { name: 'mirror' })
    let driveBytes = 0
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      const d = (await mirror.status()).drives.find((x: any) => x.title === title)
      if (d?.complete) { driveBytes = d.bytes; break }
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    return { bytes: await rx([lan.nodes[1]]) - rx0, driveBytes }
  } finally {
    await lan.destroy()
  }
}

const secs = (s: number | null) => s === null ? 'never' : `${s.toFixed(1)} s`
const dist = (copies: number[]) => [0, 1, 2, 3].map(n => copies.filter(c => (n === 3 ? c >= 3 : c === n)).length).join(' / ')

export async function benchRegionLan (opts: RegionLanOptions): Promise<void> {
  const titles = Array.from({ length: opts.publishers }, (_, i) => `region-${i}`)
  const folders = await Promise.all(titles.map(name => makeMediaFolder({ small: opts.files, smallBytes: 1024 * 1024, name })))
  try {
    console.log(`\nbench/region part 2: ${opts.publishers} publishers (1 drive of ${opts.files} MiB each, --mirror followed), ${opts.mirrors} mirrors (--max-total-size ${opts.cap}), --copies ${opts.copies}, --holder-grace ${opts.graceS}; settled = no change for ${opts.quietS} s`)
    const anchor = await oneCopy(folders[0], titles[0])
    console.log(`anchor: one mirror alone fetching one ${mb(anchor.driveBytes)} drive received ${mb(anchor.bytes)} (${(anchor.bytes / anchor.driveBytes).toFixed(2)}× the drive)`)
    const runs: Run[] = []
    for (const placement of ['region', 'lru'] as const) runs.push(await runOnce(placement, folders, titles, opts))
    const rows = runs.flatMap(r => [
      [r.placement === 'region' ? 'region' : 'today (lru)', 'fill', secs(r.fill.toTarget), secs(r.fill.settled), mb(r.fill.bytes), '', '', String(r.fill.fetches), String(r.fill.evictions), dist(r.fill.copies)],
      [r.placement === 'region' ? 'region' : 'today (lru)', `${r.killed} killed`, secs(r.repair.toTarget), secs(r.repair.settled), mb(r.repair.bytes), mb(r.lostBytes), r.lostBytes ? (r.repair.bytes / r.lostBytes).toFixed(2) : '', String(r.repair.fetches), String(r.repair.evictions), dist(r.repair.copies)]
    ])
    console.log(table(['policy', 'phase', `every drive on ≥ ${opts.copies} mirrors after`, 'settled after', 'bytes received by mirrors', 'copies lost', '× copies lost', 'fetches started', 'evictions', `drives on 0 / 1 / 2 / 3+ mirrors`], rows))
    const [region, lru] = runs
    const ratio = (a: number, b: number) => b > 0 ? (a / b).toFixed(2) : 'n/a'
    for (const r of runs) {
      const held = r.fill.copies.reduce((a, b) => a + b, 0) + r.fill.evictions
      console.log(`${r.placement}: fill received ${(r.fill.bytes / (held * anchor.bytes)).toFixed(2)}× the anchor's bytes for the ${held} copies held or evicted`)
    }
    console.log(`ratios region / today: fill bytes ${ratio(region.fill.bytes, lru.fill.bytes)}, fill settled ${region.fill.settled !== null && lru.fill.settled !== null ? ratio(region.fill.settled, lru.fill.settled) : 'n/a'}, repair bytes ${ratio(region.repair.bytes, lru.repair.bytes)}`)
  } finally {
    await removeTempDirs()
  }
}
