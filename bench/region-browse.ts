// bench/region-browse: a file only node B holds, fetched by a client next to node A (same namespace), through A
// browsing it on demand, against the anchor of the same client fetching it from B directly (B holds it, same link),
// in the same run. Cold: A has none of its blocks yet; warm: the same file again (its blocks in A's browse cache);
// seek: a Range from 3/4 of a file A has not read. Prints time to first byte and MB/s with their ratios to the
// anchor, and both nodes' peak RSS.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createLan } from '../test/helpers/netns.js'
import { BenchNode } from './lib/bench-node.js'
import { procStats } from './lib/proc-stats.js'
import { median, mb, table } from './lib/report.js'

export interface RegionBrowseOptions { runs: number, fileBytes: number, nodeArgs: string[] }

interface Fetch { ttfbMs: number, mbps: number, bytes: number }

export async function benchRegionBrowse (opts: RegionBrowseOptions): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-bench-browse-'))
  const lan = await createLan({ nodes: 2 })
  const [aNs, bNs] = lan.nodes
  const nodes: BenchNode[] = []
  try {
    const folder = path.join(work, 'media')
    fs.mkdirSync(folder)
    // One fresh file per run and measurement: every cold fetch is cold.
    for (let i = 0; i < opts.runs; i++) {
      fs.writeFileSync(path.join(folder, `film-${i}.bin`), crypto.randomBytes(opts.fileBytes))
      fs.writeFileSync(path.join(folder, `seek-${i}.bin`), crypto.randomBytes(opts.fileBytes))
    }
    const b = new BenchNode(bNs, { data: path.join(work, 'b'), args: ['--share', folder], nodeArgs: opts.nodeArgs })
    const a = new BenchNode(aNs, { data: path.join(work, 'a'), args: ['--mirror', 'followed'], nodeArgs: opts.nodeArgs })
    nodes.push(b, a)
    b.start()
    a.start()
    await Promise.all([b.line(/ready in \d+ ms/), a.line(/ready in \d+ ms/)])
    const status = async (n: BenchNode) => JSON.parse((await aNs.exec('curl', ['-s', `${n.url}/api/status`])).stdout)
    const key = await poll(async () => {
      const d = (await status(b)).drives[0]
      return d && !d.importing && d.complete && d.files === 2 * opts.runs ? d.key as string : null
    }, 'B to publish its files')
    await poll(async () => (await status(a)).available.some((d: any) => d.key === key) || null, 'A to see B\'s drive')

    /** curl in A's namespace: the client sits next to A, as a phone does. */
    const fetchOnce = async (url: string, range?: string): Promise<Fetch> => {
      const r = await aNs.exec('curl', ['-s', '-o', '/dev/null', '--max-time', '300', '-w', '%{http_code} %{time_starttransfer} %{time_total} %{size_download}', ...(range ? ['-r', range] : []), url])
      const [code, ttfb, total, size] = r.stdout.trim().split(' ')
      if (!/^20[06]$/.test(code)) throw new Error(`${url}: HTTP ${code} ${r.stderr}`)
      const bytes = Number(size)
      return { ttfbMs: Number(ttfb) * 1000, mbps: bytes / 1e6 / Math.max(1e-6, Number(total) - Number(ttfb)), bytes }
    }
    const seekFrom = `${Math.floor(opts.fileBytes * 3 / 4)}-`
    const rows: Record<string, Fetch[]> = { anchor: [], cold: [], warm: [], anchorSeek: [], seek: [] }
    for (let i = 0; i < opts.runs; i++) {
      rows.anchor.push(await fetchOnce(`${b.url}/d/${key}/film-${i}.bin`))
      rows.cold.push(await fetchOnce(`${a.url}/d/${key}/film-${i}.bin`))
      rows.warm.push(await fetchOnce(`${a.url}/d/${key}/film-${i}.bin`))
      rows.anchorSeek.push(await fetchOnce(`${b.url}/d/${key}/seek-${i}.bin`, seekFrom))
      rows.seek.push(await fetchOnce(`${a.url}/d/${key}/seek-${i}.bin`, seekFrom))
    }
    const held = (await status(a)).drives.some((d: any) => d.key === key)
    const med = (xs: Fetch[], f: (x: Fetch) => number) => median(xs.map(f))
    const row = (name: string, xs: Fetch[], anchor: Fetch[]) => {
      const ttfb = med(xs, x => x.ttfbMs)
      const mbps = med(xs, x => x.mbps)
      return [name, mb(xs[0].bytes), ttfb.toFixed(1), (ttfb / med(anchor, x => x.ttfbMs)).toFixed(2), mbps.toFixed(1), (mbps / med(anchor, x => x.mbps)).toFixed(2)]
    }
    console.log(`\nbench/region-browse: ${mb(opts.fileBytes)} files only B holds, a client next to A; median of ${opts.runs} run(s)`)
    console.log(table(['fetch', 'bytes', 'first byte ms', '× anchor', 'MB/s', '× anchor'], [
      row('anchor: from B, which holds it', rows.anchor, rows.anchor),
      row('through A, cold (fetched on demand)', rows.cold, rows.anchor),
      row('through A, warm (browse cache)', rows.warm, rows.anchor),
      row('anchor: Range from 3/4, from B', rows.anchorSeek, rows.anchorSeek),
      row('through A: Range from 3/4, cold', rows.seek, rows.anchorSeek)
    ]))
    console.log(`peak RSS: A ${mb(procStats(a.pid).peakRssBytes)}, B ${mb(procStats(b.pid).peakRssBytes)}; A lists the drive as held: ${held}`)
  } finally {
    for (const n of nodes) await n.stop().catch(() => { /* the namespace goes next, and the node with it */ })
    await lan.destroy()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

async function poll<T> (fn: () => Promise<T | null>, what: string, timeoutMs = 300_000): Promise<T> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const v = await fn().catch(() => null)
    if (v !== null && v !== false) return v
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`timed out waiting for ${what}`)
}
