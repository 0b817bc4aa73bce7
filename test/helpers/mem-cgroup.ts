// A cgroup v1 memory controller group for one bench node: a hard limit, the peak the kernel saw (page cache
// included, as systemd's MemoryMax= counts it) and the OOM kills in it. The node is put into the group by a
// wrapper shell *before* `ip netns exec`, which remounts /sys where the cgroup files would no longer be found.
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'

const ROOT = '/sys/fs/cgroup/memory'
// Our own prefix: other sessions on this machine make cgroups and namespaces of their own.
const PREFIX = 'p2p-mem-'

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

export class MemoryCgroup {
  readonly dir: string

  // The owner's pid is in the name: a sweep removes only the groups of runs whose process is gone.
  constructor (readonly limitBytes: number, name = `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`) {
    this.dir = path.join(ROOT, name)
  }

  static available (): boolean { return fs.existsSync(path.join(ROOT, 'memory.limit_in_bytes')) }

  /** Removes groups left by runs that were killed (their owner process is gone); their processes are killed first. */
  static sweep (): void {
    for (const name of fs.readdirSync(ROOT)) {
      const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]
      if (!owner || alive(Number(owner))) continue
      new MemoryCgroup(0, name).destroy()
    }
  }

  create (): void {
    fs.mkdirSync(this.dir)
    // No swap to hide in: the Pi image has none, so the limit must hold for memory plus swap.
    this.write('memory.swappiness', '0')
    this.write('memory.limit_in_bytes', String(this.limitBytes))
    try { this.write('memory.memsw.limit_in_bytes', String(this.limitBytes)) } catch { /* no swap accounting on this kernel: the memory limit alone holds */ }
  }

  /** `ip netns exec NS cmd args` started inside this group; the returned child's pid is the command's. */
  spawnIn (ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('sh', ['-c', `echo $$ > ${path.join(this.dir, 'cgroup.procs')} && exec ip netns exec "$0" "$@"`, ns, cmd, ...args],
      { stdio: 'pipe', ...opts, detached: true })
  }

  /** Forgets the peak so far (the next workload's peak starts from what is in use now). */
  resetPeak (): void { this.write('memory.max_usage_in_bytes', '0') }
  peakBytes (): number { return Number(this.read('memory.max_usage_in_bytes')) }
  usageBytes (): number { return Number(this.read('memory.usage_in_bytes')) }
  /** how often the limit was hit (the kernel then reclaimed page cache, or failed) */
  failCount (): number { return Number(this.read('memory.failcnt')) }
  oomKills (): number { return Number(/oom_kill (\d+)/.exec(this.read('memory.oom_control'))?.[1] ?? 0) }
  /** rss (anonymous) and cache (page cache) from memory.stat */
  stat (): { rss: number, cache: number } {
    const s = this.read('memory.stat')
    const v = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(s)?.[1] ?? 0)
    return { rss: v('rss'), cache: v('cache') }
  }

  destroy (): void {
    if (!fs.existsSync(this.dir)) return
    for (const pid of this.read('cgroup.procs').split('\n').map(Number).filter(n => n > 0)) {
      try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
    }
    for (let i = 0; i < 50; i++) {
      try { fs.rmdirSync(this.dir); return } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100) }
    }
  }

  private read (file: string): string { return fs.readFileSync(path.join(this.dir, file), 'utf8') }
  private write (file: string, value: string): void { fs.writeFileSync(path.join(this.dir, file), value) }
}
