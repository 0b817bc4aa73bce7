// bench/replication: how fast a mirror gets a publisher's folder between two network namespaces, next to
// rsync (daemon) and a raw TCP copy of the same bytes measured in the same run, unlimited and on a shaped link.
// Not a test: it asserts nothing about time, it prints ratios against the anchors.
import fs from 'node:fs'
import path from 'node:path'
import { once } from 'node:events'
import { spawn } from 'node:child_process'
import { createLan, type Lan, type LanNode } from '../test/helpers/netns.js'
import { makeMediaFolder } from '../test/helpers/media-folder.js'
import { tempDir, removeTempDirs } from '../test/helpers/temp-dir.js'
import { BenchNode, ROOT } from './lib/bench-node.js'
import { RsyncDaemon, rsyncCopy, type CopyResult } from './lib/rsync-anchor.js'
import { procStats, threadCpuDiff } from './lib/proc-stats.js'
import { median, mb, table } from './lib/report.js'

const TCP_PORT = 9500
const MiB = 1024 * 1024

export interface ReplicationOptions {
  runs: number
  /** Shaped link rate in Mbit/s (tc tbf on both ends of the mirror's link). */
  shapedMbit: number
  bigBytes: number
  smallFiles: number
  smallBytes: number
  /** Extra V8 flags for the mirror node (e.g. to try --max-semi-space-size). */
  nodeArgs: string[]
  /** which data sets: 'big', 'small' */
  data: string[]
  /** which links: 'unlimited', 'shaped' */
  links: string[]
  /** extra environment for the mirror node (e.g. malloc settings) */
  env: Record<string, string>
  /** a directory: `perf record` the mirror from connect to complete (every thread, kernel included), one file per run */
  perf?: string
}

interface Dataset { name: string, dir: string, files: number, bytes: number }

interface MirrorResult extends CopyResult {
  dialled: boolean
  /** minor page faults, connect → complete */
  transferFaults: number
  /** mirror process start → its first status answer, the peer connection, first file data local */
  readyMs: number
  connectedMs: number
  firstByteMs: number
  /** transfer time only: peer connected → complete */
  transferMs: number
  /** CPU spent from the connection to completion (start-up excluded) */
  transferCpuMs: number
  /** the same CPU per kind of thread, user+system ms */
  threads: string
}

const tsx = (script: string, args: string[]) => [process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args]] as const

async function tcpCopy (sender: LanNode, receiver: LanNode, folder: string, dest: string): Promise<CopyResult> {
  const [cmd, recvArgs] = tsx('bench/lib/tcp-copy.ts', ['recv', String(TCP_PORT), dest])
  const recv = receiver.spawn(cmd, [...recvArgs], { cwd: ROOT })
  const exited = once(recv, 'exit')
  let out = ''
  recv.stdout!.on('data', (d) => { out += d })
  recv.stderr!.on('data', (d) => { out += d })
  while (!out.includes('listening')) {
    if (recv.exitCode !== null) throw new Error(`tcp-copy recv: ${out}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const [, sendArgs] = tsx('bench/lib/tcp-copy.ts', ['send', receiver.ip, String(TCP_PORT), folder])
  const sent = await sender.exec(cmd, [...sendArgs], { timeout: 600_000 })
  if (sent.code !== 0) throw new Error(`tcp-copy send: ${sent.stderr}`)
  await exited
  const result = JSON.parse(out.split('\n').filter(l => l.startsWith('{')).pop()!)
  return { ms: result.ms, cpuMs: result.cpuMs, peakRssBytes: result.peakRssBytes }
}

async function mirrorCopy (mirrorNs: LanNode, title: string, opts: ReplicationOptions): Promise<MirrorResult> {
  const data = await tempDir('p2p-bench-mirror-')
  const [cmd, watchArgs] = tsx('bench/lib/status-watch.ts', [`http://127.0.0.1:8080`, title, '10'])
  const watch = mirrorNs.spawn(cmd, [...watchArgs], { cwd: ROOT })
  const events = new Map<string, any>()
  let rest = ''
  watch.stdout!.on('data', (d) => {
    const parts = (rest + String(d)).split('\n')
    rest = parts.pop() ?? ''
    for (const l of parts) { const e = JSON.parse(l); events.set(e.event, e) }
  })
  // The completion log line is exact; the status poller (10 ms) serves nodes that do not print it.
  const watched = new Promise<{ at: number }>((resolve, reject) => {
    watch.once('exit', () => events.has('done') ? resolve(events.get('done')) : reject(new Error('status watcher stopped')))
  })
  watched.catch(() => { /* awaited below; this only keeps an early rejection from being unhandled */ })
  while (!events.has('watching')) await new Promise(resolve => setTimeout(resolve, 20))

  if (opts.perf) fs.mkdirSync(opts.perf, { recursive: true })
  const node = new BenchNode(mirrorNs, { data, nodeArgs: [...opts.nodeArgs, ...opts.perf ? ['--perf-basic-prof', `--logfile=${path.join(opts.perf, 'v8.log')}`] : []], env: opts.env })
  node.start()
  let perf: ReturnType<typeof spawn> | null = null
  try {
    const connected = await node.line(/\[peers\] peer .* connected/)
    if (opts.perf) {
      perf = spawn('perf', ['record', '-q', ...(process.env.P2P_BENCH_PERF_ARGS ? process.env.P2P_BENCH_PERF_ARGS.split(' ') : ['-F', '997', '-g']), '-p', String(node.pid), '-o', path.join(opts.perf, `perf-${node.pid}.data`)], { stdio: 'inherit' })
    }
    const atConnect = procStats(node.pid)
    const done = await Promise.race([node.line(/\[drive\] .* complete/), watched])
    const atDone = procStats(node.pid)
    if (perf) { perf.kill('SIGINT'); await once(perf, 'exit') }
    if (!events.has('first')) await watched
    const t0 = node.startedAt
    return {
      ms: done.at - t0,
      cpuMs: atDone.cpuMs,
      peakRssBytes: atDone.peakRssBytes,
      readyMs: events.get('ready').at - t0,
      connectedMs: connected.at - t0,
      firstByteMs: events.get('first').at - t0,
      transferMs: done.at - connected.at,
      // Which end opened the connection: a mirror that dialled reads its socket into one reused buffer.
      dialled: /, dialled\)/.test(connected.text),
      transferCpuMs: atDone.cpuMs - atConnect.cpuMs,
      transferFaults: atDone.minorFaults - atConnect.minorFaults,
      threads: threadCpuDiff(atConnect, atDone)
    }
  } finally {
    if (perf && perf.exitCode === null) perf.kill('SIGINT')
    try { process.kill(-watch.pid!, 'SIGKILL') } catch { /* already gone */ }
    await node.stop()
    fs.rmSync(data, { recursive: true, force: true })
  }
}

/**
 * Starts the publisher. A node imports a shared folder in the background (it listens meanwhile), so the first start
 * waits for the import to end (`imported`): stopped at its first log line, the publisher was cut off mid-import and
 * finished it during the first measured run, which then timed a mirror keeping up with a publisher still writing.
 */
async function publish (ns: LanNode, folder: string, data: string, opts: { imported?: boolean } = {}): Promise<BenchNode> {
  const node = new BenchNode(ns, { data, args: ['--share', folder] })
  node.start()
  await node.line(opts.imported ? /\[publish\] .* change\(s\) published, version / : /\[publish\] publishing /, 900_000)
  return node
}

/** Shapes the mirror's link (both directions), or removes the shaping with 0. */
async function shape (lan: Lan, node: LanNode, mbit: number): Promise<void> {
  if (mbit) return lan.shape(node.index, mbit)
  await node.exec('tc', ['qdisc', 'del', 'dev', node.dev, 'root'])
  await node.exec('ip', ['netns', 'exec', `${lan.name}-sw`, 'tc', 'qdisc', 'del', 'dev', `p${node.index}`, 'root'])
}

function rate (set: Dataset, ms: number): { mbs: number, fps: number } {
  return { mbs: set.bytes / MiB / (ms / 1000), fps: set.files / (ms / 1000) }
}

export async function benchReplication (opts: ReplicationOptions): Promise<void> {
  const lan = await createLan({ nodes: 2 })
  const [pubNs, mirNs] = lan.nodes
  const cleanup = async () => { await lan.destroy(); await removeTempDirs() }
  process.once('SIGINT', () => { cleanup().catch((err: Error) => console.error(`cleanup: ${err.message}`)).finally(() => process.exit(130)) })
  try {
    console.log(`# bench/replication — ${new Date().toISOString()}, ${opts.runs} run(s) each, median shown`)
    const sets: Dataset[] = []
    if (opts.data.includes('big')) {
      const big = await makeMediaFolder({ small: 0, big: opts.bigBytes, name: 'big' })
      sets.push({ name: `1 × ${opts.bigBytes / MiB} MiB`, dir: big.dir, files: 1, bytes: opts.bigBytes })
    }
    if (opts.data.includes('small')) {
      const small = await makeMediaFolder({ small: opts.smallFiles, smallBytes: opts.smallBytes, name: 'small' })
      sets.push({ name: `${opts.smallFiles} × ${opts.smallBytes / 1024} KiB`, dir: small.dir, files: opts.smallFiles, bytes: opts.smallFiles * opts.smallBytes })
    }
    const rows: string[][] = []
    const links: Array<{ name: string, mbit: number }> = [
      ...opts.links.includes('unlimited') ? [{ name: 'unlimited', mbit: 0 }] : [],
      ...opts.links.includes('shaped') ? [{ name: `${opts.shapedMbit} Mbit/s`, mbit: opts.shapedMbit }] : []
    ]
    for (const set of sets) {
      const work = await tempDir('p2p-bench-work-')
      const rsyncd = new RsyncDaemon(pubNs, set.dir, work)
      await rsyncd.open()
      // Published once per data set; later starts only rescan the folder.
      const pubData = await tempDir('p2p-bench-pub-')
      const published = Date.now()
      await (await publish(pubNs, set.dir, pubData, { imported: true })).stop()
      process.stderr.write(`  published ${set.name} in ${((Date.now() - published) / 1000).toFixed(1)} s\n`)
      try {
        for (const link of links) {
          await shape(lan, mirNs, link.mbit)
          const publisher = await publish(pubNs, set.dir, pubData)
          const tcp: CopyResult[] = []
          const rsync: CopyResult[] = []
          const mirror: MirrorResult[] = []
          try {
            for (let i = 0; i < opts.runs; i++) {
              const d1 = path.join(work, `tcp-${i}`)
              tcp.push(await tcpCopy(pubNs, mirNs, set.dir, d1))
              fs.rmSync(d1, { recursive: true, force: true })
              const d2 = path.join(work, `rsync-${i}`)
              rsync.push(await rsyncCopy(mirNs, rsyncd, d2))
              fs.rmSync(d2, { recursive: true, force: true })
              mirror.push(await mirrorCopy(mirNs, path.basename(set.dir), opts))
              process.stderr.write(`  ${link.name} ${set.name} run ${i + 1}: tcp ${Math.round(tcp[i].ms)} ms, rsync ${Math.round(rsync[i].ms)} ms, ` +
                `mirror ${mirror[i].transferMs} ms after connect${mirror[i].dialled ? ' (dialled)' : ''} (${mirror[i].ms} ms after start, first byte at ${mirror[i].firstByteMs} ms), ` +
                `receiver CPU ${mirror[i].transferCpuMs} ms (${(mirror[i].transferCpuMs / (set.bytes / MiB)).toFixed(1)} ms/MiB; user+sys by thread: ${mirror[i].threads}; ${Math.round(mirror[i].transferFaults / (set.bytes / MiB))} page faults/MiB), ` +
                `rsync client CPU ${Math.round(rsync[i].cpuMs)} ms\n`)
            }
          } finally {
            await publisher.stop()
          }
          const m = (xs: any[], k: string) => median(xs.map(x => x[k]))
          const tcpMs = m(tcp, 'ms')
          const rsyncMs = m(rsync, 'ms')
          const mirMs = m(mirror, 'transferMs')
          const mirTotal = m(mirror, 'ms')
          rows.push([link.name, set.name, 'raw TCP', fmtRate(set, tcpMs), '1.00', '', `${Math.round(m(tcp, 'cpuMs'))} ms`, mb(m(tcp, 'peakRssBytes'))])
          rows.push([link.name, set.name, 'rsync daemon', fmtRate(set, rsyncMs), (tcpMs / rsyncMs).toFixed(2), '1.00', `${Math.round(m(rsync, 'cpuMs'))} ms`, mb(m(rsync, 'peakRssBytes'))])
          rows.push([link.name, set.name, 'p2p-portal, from connect', fmtRate(set, mirMs), (tcpMs / mirMs).toFixed(2), (rsyncMs / mirMs).toFixed(2), `${Math.round(m(mirror, 'transferCpuMs'))} ms`, mb(m(mirror, 'peakRssBytes'))])
          rows.push([link.name, set.name, 'p2p-portal, from start', fmtRate(set, mirTotal), (tcpMs / mirTotal).toFixed(2), (rsyncMs / mirTotal).toFixed(2), `${Math.round(m(mirror, 'cpuMs'))} ms`, ''])
          rows.push([link.name, set.name, 'mirror start → ready / connected / first byte', `${m(mirror, 'readyMs')} / ${m(mirror, 'connectedMs')} / ${m(mirror, 'firstByteMs')} ms`, '', '', '', ''])
        }
      } finally {
        await rsyncd.close()
        await shape(lan, mirNs, 0)
        fs.rmSync(work, { recursive: true, force: true })
        fs.rmSync(pubData, { recursive: true, force: true })
      }
    }
    console.log(table(['link', 'data', 'copy', 'rate', '× raw TCP', '× rsync', 'receiver CPU', 'receiver peak RSS'], rows))
    console.log('\nratios are speed ratios (higher is faster); "from connect" times the transfer after the Noise connection is up,')
    console.log('"from start" includes the mirror process starting and finding the publisher over mDNS.')
  } finally {
    await cleanup()
  }
}

function fmtRate (set: Dataset, ms: number): string {
  const r = rate(set, ms)
  return set.files > 1 ? `${r.mbs.toFixed(1)} MiB/s, ${Math.round(r.fps)} files/s (${(ms / 1000).toFixed(2)} s)` : `${r.mbs.toFixed(1)} MiB/s (${(ms / 1000).toFixed(2)} s)`
}
