// bench/budget: every heavy workload against a hard memory limit. Each measured node runs in a cgroup (v1
// memory controller) limited to 256 MiB, as the image's unit limits it with MemoryMax=; the bench prints, per
// workload, the node's peak RSS (VmHWM), the cgroup's peak (page cache included), OOM kills, whether every
// answer was complete, and the RSS a while after the work ended against the node's idle RSS before it.
// Not a test: it asserts nothing, it prints what happened. See bench/README.md.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createLan, type LanNode } from '../test/helpers/netns.js'
import { makeMediaFolder } from '../test/helpers/media-folder.js'
import { tempDir, removeTempDirs } from '../test/helpers/temp-dir.js'
import { BenchNode, ROOT } from './lib/bench-node.js'
import { MemoryCgroup } from '../test/helpers/mem-cgroup.js'
import { procStats } from './lib/proc-stats.js'
import { mb, table } from './lib/report.js'

const MiB = 1024 * 1024
const PASSWORD = 'bench budget password'
const PROBE = path.join(ROOT, 'bench/lib/mem-probe.mjs')

export interface BudgetOptions {
  limitBytes: number
  /** how long after the work ends the RSS is read again */
  afterMs: number
  bigBytes: number
  smallFiles: number
  uploadBytes: number
  drives: number
  phonesSeconds: number
  nodeArgs: string[]
  env: Record<string, string>
  /** which workloads: big, small, upload, phones, idle */
  only: string[]
  /** if set, each node's probe readings during its workload go to DIR/<workload>-<node>.jsonl */
  traceDir?: string
}

interface Probe { rss: number, heapTotal: number, heapUsed: number, external: number, arrayBuffers: number, Anonymous?: number }

interface Measured {
  workload: string
  node: string
  idleRss: number
  peakRss: number
  cgroupPeak: number
  failcnt: number
  oomKills: number
  afterRss: number | null
  complete: string
  atPeak: Probe | null
  /** the last probe reading when RSS was read again */
  atAfter: Probe | null
  /** the node's CPU time (utime + stime) during the work */
  cpuMs: number
}

/** A node in a fresh cgroup, with the memory probe loaded. */
function limitedNode (ns: LanNode, opts: BudgetOptions, nodeOpts: { data: string, args?: string[], port?: number }): { node: BenchNode, cg: MemoryCgroup } {
  const cg = new MemoryCgroup(opts.limitBytes)
  cg.create()
  const node = new BenchNode(ns, { ...nodeOpts, cgroup: cg, nodeArgs: [...opts.nodeArgs, `--import=${PROBE}`], env: opts.env })
  node.start()
  return { node, cg }
}

function probes (node: BenchNode, since: number): Probe[] {
  return node.lines.filter(l => l.at >= since && l.text.startsWith('[mem-probe] ')).map(l => JSON.parse(l.text.slice(12)))
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** Reads idle RSS, runs `work`, reads the peaks, waits, reads RSS again. */
async function measure (workload: string, name: string, node: BenchNode, cg: MemoryCgroup, opts: BudgetOptions, work: () => Promise<string>, alsoAfter: Array<() => Promise<void>> = []): Promise<Measured> {
  await node.line(/ready in \d+ ms/)
  await sleep(5000)
  const idleRss = procStats(node.pid).rssBytes
  cg.resetPeak()
  const cpu0 = procStats(node.pid).cpuMs
  const t0 = Date.now()
  let complete: string
  try { complete = await work() } catch (err) { complete = `FAILED: ${(err as Error).message.split('\n')[0]}` }
  const alive = node.proc?.exitCode === null && node.proc?.signalCode === null
  const peakRss = alive ? procStats(node.pid).peakRssBytes : NaN
  const cpuMs = alive ? procStats(node.pid).cpuMs - cpu0 : NaN
  const cgroupPeak = cg.peakBytes()
  const seen = probes(node, t0)
  if (opts.traceDir) {
    fs.mkdirSync(opts.traceDir, { recursive: true })
    fs.writeFileSync(path.join(opts.traceDir, `${workload}-${name}.jsonl`.replace(/[^\w.-]+/g, '-')), node.lines.filter(l => l.text.startsWith('[mem-probe] ')).map(l => JSON.stringify({ t: l.at - t0, ...JSON.parse(l.text.slice(12)) })).join('\n') + '\n')
  }
  const atPeak = seen.reduce<Probe | null>((a, p) => (!a || p.rss > a.rss ? p : a), null)
  for (const f of alsoAfter) await f()
  let afterRss: number | null = null
  let atAfter: Probe | null = null
  if (alive && opts.afterMs > 0) {
    await sleep(opts.afterMs)
    afterRss = node.proc?.exitCode === null ? procStats(node.pid).rssBytes : null
    atAfter = probes(node, Date.now() - 2000).pop() ?? null
  }
  const m: Measured = { workload, node: name, idleRss, peakRss, cgroupPeak, failcnt: cg.failCount(), oomKills: cg.oomKills(), afterRss, complete: alive ? complete : `node died (${node.proc?.signalCode ?? node.proc?.exitCode}); ${complete}`, atPeak, atAfter, cpuMs }
  process.stderr.write(`  ${workload} / ${name}: peak RSS ${mb(peakRss)}, cgroup peak ${mb(cgroupPeak)}, OOM kills ${m.oomKills}, ${m.complete}` +
    (atPeak ? `; at peak: heap ${atPeak.heapTotal} MiB, arrayBuffers ${atPeak.arrayBuffers} MiB, external ${atPeak.external} MiB, anon ${atPeak.Anonymous} MiB` : '') + '\n')
  return m
}

/** V8 heap / arrayBuffers (outside the heap) / the rest of RSS (native: RocksDB, malloc, code), from one probe reading. */
function split (p: Probe | null): string {
  return p ? `${p.heapTotal} / ${p.arrayBuffers} / ${Math.round(p.rss - p.heapTotal - p.arrayBuffers)}` : ''
}

async function stopAll (...xs: Array<{ node: BenchNode, cg?: MemoryCgroup }>): Promise<void> {
  for (const x of xs) { await x.node.stop(); x.cg?.destroy() }
}

async function mirrorWorkload (workload: string, pubNs: LanNode, mirNs: LanNode, folder: string, opts: BudgetOptions): Promise<Measured> {
  // Published first (hashing the folder), then started again once the mirror's idle RSS is read.
  const pubData = await tempDir('p2p-budget-pub-')
  const publisher = new BenchNode(pubNs, { data: pubData, args: ['--share', folder] })
  publisher.start()
  // The first import runs in the background after "publishing …" and a stop cuts it short (5 s deadline): the
  // mirror then completed a partial drive (43 of 5,000 files) while the restarted publisher still imported.
  await publisher.line(/\[publish\] .* change\(s\) published, version /, 900_000)
  await publisher.stop()
  const mirror = limitedNode(mirNs, opts, { data: await tempDir('p2p-budget-mir-') })
  try {
    return await measure(workload, 'mirror', mirror.node, mirror.cg, opts, async () => {
      publisher.start()
      const done = await mirror.node.line(/\[drive\] .* complete/, 900_000)
      return done.text.replace(/^.*complete: /, 'complete: ')
    })
  } finally {
    await stopAll(mirror, { node: publisher })
  }
}

async function uploadWorkload (pubNs: LanNode, mirNs: LanNode, opts: BudgetOptions): Promise<Measured[]> {
  const dir = await tempDir('p2p-budget-up-')
  fs.writeFileSync(path.join(dir, 'pw'), PASSWORD + '\n')
  const uploader = limitedNode(pubNs, opts, { data: path.join(dir, 'data'), args: ['--admin-password-file', path.join(dir, 'pw')] })
  const mirror = limitedNode(mirNs, opts, { data: path.join(dir, 'mirror') })
  try {
    await mirror.node.line(/ready in \d+ ms/)
    // An upload starts with the organiser opening the admin page, whose code loads with its first request
    // (web/server/lazy-router.ts): the uploader's idle reading is taken with it loaded, so that "RSS after"
    // measures what the upload left behind, not the page's code. The reading before it is reported too.
    await uploader.node.line(/ready in \d+ ms/)
    await sleep(5000)
    const beforeAdmin = procStats(uploader.node.pid).rssBytes
    await pubNs.exec('curl', ['-s', '-o', '/dev/null', '--max-time', '30', 'http://127.0.0.1:8080/admin/login'])
    let mirrorResult: Promise<Measured> | null = null
    const up = await measure('300 MB admin upload', 'uploader', uploader.node, uploader.cg, opts, async () => {
      // The mirror's peak is measured over the same upload (it copies the blocks while they arrive).
      mirrorResult = measure('300 MB admin upload', 'mirror copying it', mirror.node, mirror.cg, { ...opts, afterMs: 0 }, async () => {
        const done = await mirror.node.line(/\[drive\] "Budget upload" complete/, 900_000)
        return done.text.replace(/^.*complete: /, 'complete: ')
      })
      await sleep(5500) // the mirror's idle reading
      const r = await pubNs.exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/upload-client.ts'), 'http://127.0.0.1:8080', PASSWORD, String(opts.uploadBytes), 'Budget upload'], { timeout: 900_000 })
      const line = r.stdout.split('\n').find(l => l.startsWith('{'))
      if (!line) throw new Error(`upload client: ${r.stderr.slice(-500)}`)
      const res = JSON.parse(line)
      const files = res.status === 200 ? JSON.parse(res.body).files : null
      const ok = res.status === 200 && files?.[0]?.bytes === opts.uploadBytes
      return ok ? `HTTP 200, ${files[0].bytes} bytes stored, ${(res.ms / 1000).toFixed(1)} s` : `INCOMPLETE: HTTP ${res.status} ${res.body}`
    })
    up.complete += `; idle ${mb(beforeAdmin)} before the admin page first loaded`
    const mir = await mirrorResult!
    // The mirror's "after" reading, taken now that the uploader's wait is over too.
    mir.afterRss = mirror.node.proc?.exitCode === null ? procStats(mirror.node.pid).rssBytes : null
    mir.atAfter = probes(mirror.node, Date.now() - 2000).pop() ?? null
    return [up, mir]
  } finally {
    await stopAll(uploader, mirror)
  }
}

async function phonesWorkload (ns: LanNode, opts: BudgetOptions): Promise<Measured> {
  const dir = await tempDir('p2p-budget-http-')
  const folder = path.join(dir, 'media')
  fs.mkdirSync(folder)
  fs.writeFileSync(path.join(folder, 'small.jpg'), crypto.randomBytes(20 * 1024))
  fs.writeFileSync(path.join(folder, 'big.mp4'), crypto.randomBytes(10 * 1024 * 1024))
  const x = limitedNode(ns, opts, { data: path.join(dir, 'data'), args: ['--share', folder] })
  try {
    return await measure('200 phones, 20 KB + 10 MB', 'node', x.node, x.cg, opts, async () => {
      const status = JSON.parse((await ns.exec('curl', ['-s', 'http://127.0.0.1:8080/api/status'])).stdout)
      const key = status.drives[0].key
      const parts: string[] = []
      for (const file of ['small.jpg', 'big.mp4']) {
        const r = await ns.exec('wrk', ['-t2', '-c200', `-d${opts.phonesSeconds}s`, '--timeout', '20s', `http://127.0.0.1:8080/d/${key}/${file}`], { timeout: (opts.phonesSeconds + 60) * 1000 })
        const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? 0)
        const errors = /Socket errors: (.*)/.exec(r.stdout)?.[1]
        const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1]
        parts.push(`${file}: ${requests} answers${errors ? `, socket errors ${errors}` : ''}${non2xx ? `, ${non2xx} non-2xx` : ''}`)
      }
      return parts.join('; ')
    })
  } finally {
    await stopAll(x)
  }
}

async function idleWorkload (ns: LanNode, opts: BudgetOptions): Promise<Measured> {
  const data = await tempDir('p2p-budget-idle-')
  const seed = await ns.exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/seed-drives.ts'), data, String(opts.drives)], { timeout: 600_000 })
  if (seed.code !== 0) throw new Error(`seeding failed: ${seed.stderr}`)
  const x = limitedNode(ns, opts, { data })
  try {
    return await measure(`${opts.drives} drives, idle 20 s`, 'node', x.node, x.cg, opts, async () => {
      await sleep(20_000)
      return `idle RSS after 20 s ${mb(procStats(x.node.pid).rssBytes)}`
    })
  } finally {
    await stopAll(x)
  }
}

export async function benchBudget (opts: BudgetOptions): Promise<void> {
  if (!MemoryCgroup.available()) throw new Error('bench/budget needs the cgroup v1 memory controller at /sys/fs/cgroup/memory')
  MemoryCgroup.sweep()
  const lan = await createLan({ nodes: 2 })
  const [aNs, bNs] = lan.nodes
  const cleanup = async () => { await lan.destroy(); await removeTempDirs(); MemoryCgroup.sweep() }
  process.once('SIGINT', () => { void cleanup().finally(() => process.exit(130)) })
  try {
    console.log(`\n# bench/budget — ${new Date().toISOString()}, cgroup limit ${mb(opts.limitBytes)}, RSS read again ${opts.afterMs / 1000} s after each workload` +
      `${opts.nodeArgs.length ? `, node ${opts.nodeArgs.join(' ')}` : ''}${Object.keys(opts.env).length ? `, env ${Object.entries(opts.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`)
    const results: Measured[] = []
    if (opts.only.includes('big')) {
      const big = await makeMediaFolder({ small: 0, big: opts.bigBytes, name: 'big' })
      results.push(await mirrorWorkload(`mirror 1 × ${opts.bigBytes / MiB} MiB`, aNs, bNs, big.dir, opts))
      fs.rmSync(path.dirname(big.dir), { recursive: true, force: true })
    }
    if (opts.only.includes('small')) {
      const small = await makeMediaFolder({ small: opts.smallFiles, smallBytes: 10 * 1024, name: 'small' })
      results.push(await mirrorWorkload(`mirror ${opts.smallFiles} × 10 KiB`, aNs, bNs, small.dir, opts))
      fs.rmSync(path.dirname(small.dir), { recursive: true, force: true })
    }
    if (opts.only.includes('upload')) results.push(...await uploadWorkload(aNs, bNs, opts))
    if (opts.only.includes('phones')) results.push(await phonesWorkload(aNs, opts))
    if (opts.only.includes('idle')) results.push(await idleWorkload(aNs, opts))
    const rows = results.map(r => [
      r.workload, r.node, mb(r.idleRss), mb(r.peakRss), mb(r.cgroupPeak), String(r.oomKills),
      r.afterRss === null ? '' : `${mb(r.afterRss)} (${r.afterRss <= r.idleRss + 10 * MiB ? 'ok' : 'HIGH'})`,
      split(r.atPeak), split(r.atAfter),
      `${Math.round(r.cpuMs)} ms`,
      r.complete
    ])
    console.log(table(['workload', 'node', 'idle RSS before', 'peak RSS (VmHWM)', 'cgroup peak (incl. page cache)', 'OOM kills', `RSS ${opts.afterMs / 1000} s after`, 'at peak: V8 heap / arrayBuffers / rest MiB', 'after: same', 'CPU', 'answers'], rows))
    console.log(`\npeak RSS target ≤ 150 MiB; RSS after the work ≤ idle + 10 MiB. The cgroup's peak counts page cache, which the kernel`)
    console.log('reclaims at the limit instead of killing; an OOM kill is the failure.')
  } finally {
    await cleanup()
  }
}
