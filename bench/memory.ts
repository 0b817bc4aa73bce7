// bench/memory: what a node holding many mirrored drives costs in memory and start-up time, against the same
// node holding none (measured in the same run) and against the Pi Zero 2 W's 512 MB.
// Not a test: it prints figures, it asserts nothing.
import fs from 'node:fs'
import path from 'node:path'
import { createLan, type LanNode } from '../test/helpers/netns.js'
import { tempDir, removeTempDirs } from '../test/helpers/temp-dir.js'
import { BenchNode, ROOT } from './lib/bench-node.js'
import { NotifySocket } from './lib/notify-socket.js'
import { procStats } from './lib/proc-stats.js'
import { median, mb, table } from './lib/report.js'

const PI_ZERO_2_W_BYTES = 512 * 1024 * 1024
// Long enough for start-up garbage to be collected and the status timers to have run a few times.
const SETTLE_MS = 20_000

// keep: a folder to seed and mirror into and leave behind (for profiling a start by hand, or for measuring two
// builds on the same data folder); one kept earlier is started again as it is.
export interface MemoryOptions { drives: number, runs: number, nodeArgs: string[], keep?: string }

interface StartResult { readyMs: number, idleRssBytes: number, peakRssBytes: number, idleCpuMsPerMin: number }

/** Starts a node on `data` with NOTIFY_SOCKET set, times READY=1, lets it settle and reads its memory. */
async function startAndSettle (ns: LanNode, data: string, notify: NotifySocket, nodeArgs: string[]): Promise<StartResult> {
  const node = new BenchNode(ns, { data, nodeArgs, env: { NOTIFY_SOCKET: notify.path } })
  node.start()
  try {
    const readyAt = await notify.arrival('READY=1', node.startedAt)
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS / 2))
    const mid = procStats(node.pid)
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS / 2))
    const end = procStats(node.pid)
    return {
      readyMs: Math.round(readyAt - node.startedAt),
      idleRssBytes: end.rssBytes,
      peakRssBytes: end.peakRssBytes,
      idleCpuMsPerMin: (end.cpuMs - mid.cpuMs) * 60_000 / (SETTLE_MS / 2)
    }
  } finally {
    await node.stop()
  }
}

async function mirrorAll (lan: LanNode, publisher: BenchNode, data: string, drives: number): Promise<number> {
  const started = Date.now()
  const mirror = new BenchNode(lan, { data })
  mirror.start()
  try {
    for (;;) {
      const r = await lan.exec('curl', ['-s', '--max-time', '5', `${mirror.url}/api/status`])
      try {
        const status = JSON.parse(r.stdout)
        const done = status.drives.filter((d: any) => !d.own && d.complete && d.files > 0).length
        if (done >= drives) return Date.now() - started
      } catch { /* not answering yet (curl printed nothing): poll again */ }
      if (Date.now() - started > 600_000) throw new Error(`the mirror did not get ${drives} drives in 10 minutes`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  } finally {
    await mirror.stop()
  }
}

export async function benchMemory (opts: MemoryOptions): Promise<void> {
  const lan = await createLan({ nodes: 2 })
  const [pubNs, mirNs] = lan.nodes
  const work = await tempDir('p2p-bench-mem-')
  const notify = new NotifySocket(work)
  const cleanup = async () => { await notify.close(); await lan.destroy(); await removeTempDirs() }
  process.once('SIGINT', () => { cleanup().catch((err: Error) => console.error(`cleanup: ${err.message}`)).finally(() => process.exit(130)) })
  try {
    console.log(`\n# bench/memory — ${new Date().toISOString()}, ${opts.drives} drives, ${opts.runs} start(s) each, median shown${opts.nodeArgs.length ? `, node ${opts.nodeArgs.join(' ')}` : ''}`)
    await notify.open()
    const pubData = path.join(opts.keep ?? work, 'publisher')
    const mirData = path.join(opts.keep ?? work, 'mirror')
    const reused = opts.keep !== undefined && fs.existsSync(path.join(mirData, 'library.json'))
    if (!reused) {
      const seeded = Date.now()
      const seed = await pubNs.exec(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/seed-drives.ts'), pubData, String(opts.drives)], { timeout: 600_000 })
      if (seed.code !== 0) throw new Error(`seeding failed: ${seed.stderr}`)
      process.stderr.write(`  seeded ${opts.drives} drives in ${((Date.now() - seeded) / 1000).toFixed(1)} s\n`)
    }
    const publisher = new BenchNode(pubNs, { data: pubData })
    if (!reused) {
      publisher.start()
      await publisher.line(/\[node\] node .* ready in/)
      const mirrorMs = await mirrorAll(mirNs, publisher, mirData, opts.drives)
      process.stderr.write(`  mirrored ${opts.drives} drives in ${(mirrorMs / 1000).toFixed(1)} s\n`)
    } else process.stderr.write(`  using the drives kept in ${opts.keep}\n`)

    const emptyData = path.join(work, 'empty')
    const cases: Array<{ name: string, data: string, peer: boolean }> = [
      { name: 'no drives (anchor), alone', data: emptyData, peer: false },
      { name: `${opts.drives} mirrored drives, alone`, data: mirData, peer: false },
      { name: `${opts.drives} mirrored drives, publisher connected`, data: mirData, peer: true }
    ]
    const rows: string[][] = []
    for (const c of cases) {
      if (!c.peer) await publisher.stop()
      else if (publisher.proc?.exitCode !== null) { publisher.start(); await publisher.line(/\[node\] node .* ready in/) }
      const results: StartResult[] = []
      for (let i = 0; i < opts.runs; i++) {
        results.push(await startAndSettle(mirNs, c.data, notify, opts.nodeArgs))
        process.stderr.write(`  ${c.name} run ${i + 1}: READY ${results[i].readyMs} ms, idle RSS ${mb(results[i].idleRssBytes)}\n`)
      }
      const m = (k: keyof StartResult) => median(results.map(r => r[k]))
      rows.push([c.name, `${m('readyMs')} ms`, mb(m('idleRssBytes')), `${(m('idleRssBytes') * 100 / PI_ZERO_2_W_BYTES).toFixed(1)} %`, mb(m('peakRssBytes')), `${Math.round(m('idleCpuMsPerMin'))} ms/min`])
    }
    await publisher.stop()
    console.log(table(['node', 'start → READY=1', `idle RSS after ${SETTLE_MS / 1000} s`, 'of a Pi Zero 2 W (512 MB)', 'peak RSS', 'idle CPU'], rows))
    fs.rmSync(work, { recursive: true, force: true })
  } finally {
    await cleanup()
  }
}
