// The ServiceManager on the appliance: systemctl, run by the root update helper. No shell, fixed arguments.
import { execFile } from 'node:child_process'
import { realClock, type Clock, type ServiceManager } from './service-manager.js'

type Run = (args: string[]) => Promise<{ code: number, stdout: string }>

function run (args: string[]): Promise<{ code: number, stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile('systemctl', args, { timeout: 60_000 }, (err, stdout) => {
      // `systemctl is-active` answers "inactive" with exit status 3: an answer, not a failure.
      if (err && typeof (err as NodeJS.ErrnoException).code !== 'number') return reject(err)
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code) : 0, stdout: String(stdout) })
    })
  })
}

export interface SystemctlOptions {
  run?: Run
  clock?: Clock
  pollMs?: number
}

export class Systemctl implements ServiceManager {
  private readonly run: Run
  private readonly clock: Clock
  private readonly pollMs: number
  private readonly before = new Map<string, string>()

  constructor (opts: SystemctlOptions = {}) {
    this.run = opts.run ?? run
    this.clock = opts.clock ?? realClock
    this.pollMs = opts.pollMs ?? 1000
  }

  async restart (unit: string): Promise<void> {
    // On the appliance the unit files come with the release (/etc/systemd/system links into current/systemd), and
    // `current` has just been switched: systemd must read the new release's units before it starts them.
    const reload = await this.run(['daemon-reload'])
    if (reload.code !== 0) throw new Error(`systemctl daemon-reload failed (exit status ${reload.code})`)
    // Each start of a unit gets a new InvocationID: waitReady() waits for a new one, not the old run still "active".
    this.before.set(unit, (await this.show(unit, ['InvocationID'])).InvocationID ?? '')
    // --no-block: a Type=notify unit that never sends READY=1 would hold `systemctl restart` for TimeoutStartSec;
    // waitReady watches it instead, with the installer's own deadline.
    const { code } = await this.run(['restart', '--no-block', unit])
    if (code !== 0) throw new Error(`systemctl restart ${unit} failed (exit status ${code})`)
  }

  async isActive (unit: string): Promise<boolean> {
    const { stdout } = await this.run(['is-active', unit])
    return stdout.trim() === 'active'
  }

  async waitReady (unit: string, timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs
    while (true) {
      const { ActiveState: state, SubState: sub, InvocationID: id } = await this.show(unit, ['ActiveState', 'SubState', 'InvocationID'])
      // Right after `restart --no-block` the old run can still show "active": only a new invocation counts.
      const fresh = !this.before.has(unit) || id !== this.before.get(unit)
      if (state === 'active' && fresh) return true
      // With Restart=always a version that exits before READY=1 never shows "failed": it waits in "auto-restart"
      // and starts again, until the deadline. Its first exit is answer enough.
      if ((state === 'failed' || sub === 'auto-restart') && fresh) return false
      if (this.clock.now() >= deadline) return false
      await this.clock.sleep(this.pollMs)
    }
  }

  async restartCount (unit: string): Promise<number> {
    const { NRestarts: n } = await this.show(unit, ['NRestarts'])
    return Number(n ?? 0) || 0
  }

  private async show (unit: string, props: string[]): Promise<Record<string, string>> {
    const { code, stdout } = await this.run(['show', unit, '-p', props.join(',')])
    if (code !== 0) throw new Error(`systemctl show ${unit} failed (exit status ${code})`)
    const out: Record<string, string> = {}
    for (const line of stdout.split('\n')) {
      const at = line.indexOf('=')
      if (at > 0) out[line.slice(0, at)] = line.slice(at + 1)
    }
    return out
  }
}
