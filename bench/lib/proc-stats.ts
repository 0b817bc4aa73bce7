// CPU time and memory of a running process, from /proc (Linux only, like the rest of the benches).
import fs from 'node:fs'

const TICKS_PER_SECOND = 100

export interface ProcStats {
  /** user + system CPU time so far */
  cpuMs: number
  /** resident set size now (VmRSS) */
  rssBytes: number
  /** highest resident set size so far (VmHWM) */
  peakRssBytes: number
  /** user and system CPU so far per kind of thread (the thread's name with digits dropped: `node` is the JS
   * thread, `libuv-worker` the thread pool, `rocksdb:low`/`rocksdb:high` RocksDB's flushes and compactions,
   * `V8 DefaultWorke` V8's concurrent GC and compilers) */
  threads: Record<string, { userMs: number, sysMs: number }>
  /** minor page faults so far, all threads: fresh memory touched (mmap'd Buffers, memtables), which the load on
   * the machine does not change */
  minorFaults: number
}

function statTimes (file: string): { comm: string, userMs: number, sysMs: number, minorFaults: number } {
  const stat = fs.readFileSync(file, 'utf8')
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    userMs: Number(fields[11]) * 1000 / TICKS_PER_SECOND,
    sysMs: Number(fields[12]) * 1000 / TICKS_PER_SECOND,
    minorFaults: Number(fields[7])
  }
}

function threadTimes (pid: number): ProcStats['threads'] {
  const out: ProcStats['threads'] = {}
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let t
    try { t = statTimes(`/proc/${pid}/task/${tid}/stat`) } catch { continue /* the thread ended meanwhile */ }
    const kind = t.comm.replace(/[\d/]+$/, '').trim() || t.comm
    const sum = out[kind] ??= { userMs: 0, sysMs: 0 }
    sum.userMs += t.userMs
    sum.sysMs += t.sysMs
  }
  return out
}

/** `b - a` per kind of thread, biggest first, as "kind user+sys ms" text. */
export function threadCpuDiff (a: ProcStats, b: ProcStats): string {
  const rows = Object.entries(b.threads).map(([kind, t]) => {
    const before = a.threads[kind] ?? { userMs: 0, sysMs: 0 }
    return { kind, user: t.userMs - before.userMs, sys: t.sysMs - before.sysMs }
  }).filter(r => r.user + r.sys > 0).sort((x, y) => (y.user + y.sys) - (x.user + x.sys))
  return rows.map(r => `${r.kind} ${Math.round(r.user)}+${Math.round(r.sys)}`).join(', ')
}

export function procStats (pid: number): ProcStats {
  const { userMs, sysMs, minorFaults } = statTimes(`/proc/${pid}/stat`)
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { cpuMs: userMs + sysMs, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), threads: threadTimes(pid), minorFaults }
}
