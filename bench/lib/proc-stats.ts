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
}

export function procStats (pid: number): ProcStats {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { cpuMs: (utime + stime) * 1000 / TICKS_PER_SECOND, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') }
}
