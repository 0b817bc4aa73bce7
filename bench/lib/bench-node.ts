// A p2p-portal node process for the benches: spawned in a namespace from the built CLI, its log lines kept with
// the time each arrived, so milestones ("found peer", "complete") can be timed without polling.
import path from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import type { LanNode } from '../../test/helpers/netns.js'
import type { MemoryCgroup } from '../../test/helpers/mem-cgroup.js'
import { SHIPPED_FLAGS, SHIPPED_ENV } from '../../test/helpers/shipped-node.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CLI = path.join(ROOT, 'bin/p2p-portal.js')
// The node flags and environment of the CLI's own #! line, so a bench measures the node as shipped; --node-arg
// adds to them.
export { SHIPPED_FLAGS, SHIPPED_ENV }

export interface LogLine { at: number, text: string }

export class BenchNode {
  proc: ChildProcess | null = null
  startedAt = 0
  readonly lines: LogLine[] = []
  private waiters: Array<{ re: RegExp, resolve: (l: LogLine) => void }> = []

  constructor (readonly lan: LanNode, readonly opts: { data: string, port?: number, args?: string[], env?: NodeJS.ProcessEnv, nodeArgs?: string[], cgroup?: MemoryCgroup }) {}

  get url (): string { return `http://${this.lan.ip}:${this.opts.port ?? 8080}` }
  get pid (): number { return this.proc!.pid! }

  start (): void {
    const args = [...SHIPPED_FLAGS, ...(this.opts.nodeArgs ?? []), CLI, 'start', '--data', this.opts.data, '--port', String(this.opts.port ?? 8080),
      '--name', `bench-${this.lan.index}`, '--no-internet', ...(this.opts.args ?? [])]
    this.startedAt = Date.now()
    this.lines.length = 0
    // `ip netns exec` execs the command itself, so the child's pid is the node's.
    const env = { ...process.env, ...SHIPPED_ENV, ...this.opts.env }
    this.proc = this.opts.cgroup
      ? this.opts.cgroup.spawnIn(this.lan.ns, process.execPath, args, { env })
      : this.lan.spawn(process.execPath, args, { env })
    let rest = ''
    const onData = (d: Buffer) => {
      const at = Date.now()
      const parts = (rest + String(d)).split('\n')
      rest = parts.pop() ?? ''
      for (const text of parts) {
        const line = { at, text }
        this.lines.push(line)
        this.waiters = this.waiters.filter(w => { if (w.re.test(text)) { w.resolve(line); return false } return true })
      }
    }
    this.proc.stdout!.on('data', onData)
    this.proc.stderr!.on('data', onData)
  }

  /** The first log line matching `re` (already seen or still to come). */
  line (re: RegExp, timeoutMs = 600_000): Promise<LogLine> {
    const seen = this.lines.find(l => re.test(l.text))
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line ${re} after ${timeoutMs} ms:\n${this.lines.map(l => l.text).join('\n')}`)), timeoutMs)
      this.waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l) } })
      this.proc!.once('exit', (code) => { clearTimeout(timer); reject(new Error(`node exited (${code}) before ${re}:\n${this.lines.map(l => l.text).join('\n')}`)) })
    })
  }

  async stop (): Promise<void> {
    const proc = this.proc
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = once(proc, 'exit')
    proc.kill('SIGTERM')
    const timer = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL') } catch { /* already gone */ } }, 6000)
    await exited
    clearTimeout(timer)
  }
}
