// Tells systemd how the node is doing (the unit is Type=notify): READY=1 once everything is up, STATUS= lines,
// WATCHDOG=1 pings and STOPPING=1. Without NOTIFY_SOCKET (a laptop, a test) it does nothing at all.
//
// The messages go through the `systemd-notify` binary (Debian package `systemd`), spawned by the npm package of
// the same name: it needs no native build on the Pi, unlike `sd-notify`. Because the sender is a short-lived
// child process, the unit needs NotifyAccess=all; the binary waits for systemd to take the message
// (BARRIER=1) before exiting, so systemd can still attribute it to our cgroup.
import { execFile } from 'node:child_process'
import systemdNotify, { type NotifyOptions } from 'systemd-notify'
import { logger } from '../log.js'
import { Resource } from '../lifecycle/resource.js'
import type { SystemdEnv } from '../config/config.js'

const log = logger('systemd')

export interface SystemdNotifierOptions {
  /** The variables systemd gave the process; the composition root passes them from the config module. */
  env: SystemdEnv
  /** Our pid, compared with WATCHDOG_PID. */
  pid?: number
  /** At most one STATUS= spawn per interval; newer text replaces older text still waiting. */
  statusIntervalMs?: number
  /** The npm package's function (READY=1 and STATUS=). */
  notify?: (opts: NotifyOptions) => Promise<unknown>
  /** The binary, for the assignments the npm package has no option for (WATCHDOG=1, STOPPING=1). */
  command?: string
}

export class SystemdNotifier extends Resource {
  readonly enabled: boolean
  /** Milliseconds between WATCHDOG=1 pings, or 0 when systemd does not watch us. */
  readonly watchdogIntervalMs: number
  private readonly socket: string
  private readonly statusIntervalMs: number
  private readonly notify: (opts: NotifyOptions) => Promise<unknown>
  private readonly command: string
  private readonly inflight = new Set<Promise<void>>()
  private watchdogTimer: NodeJS.Timeout | null = null
  private watchdogBusy = false
  private statusTimer: NodeJS.Timeout | null = null
  private pendingStatus: string | null = null
  private lastStatus: string | null = null
  private lastStatusAt = 0
  private lastError = ''

  constructor (opts: SystemdNotifierOptions) {
    super()
    const env = opts.env
    this.socket = env.NOTIFY_SOCKET ?? ''
    this.enabled = this.socket !== ''
    this.statusIntervalMs = opts.statusIntervalMs ?? 1000
    this.notify = opts.notify ?? systemdNotify
    this.command = opts.command ?? 'systemd-notify'
    this.watchdogIntervalMs = this.enabled ? watchdogInterval(env, opts.pid ?? process.pid) : 0
  }

  /** READY=1: call once storage, discovery and the HTTP listener are up. */
  ready (): Promise<void> {
    return this.send('READY=1', () => this.notify({ ready: true }))
  }

  /** STATUS=text, coalesced so a chatty caller cannot spawn more than one process per interval. */
  status (text: string): void {
    if (!this.enabled || this.isClosing) return
    // A newline would start a new assignment in the datagram (e.g. a drive title smuggling READY=1).
    this.pendingStatus = text.replace(/[\r\n]+/g, ' ')
    if (this.statusTimer !== null) return
    const wait = this.lastStatusAt + this.statusIntervalMs - Date.now()
    if (wait <= 0) this.flushStatus()
    else this.statusTimer = setTimeout(() => this.flushStatus(), wait)
  }

  /** STOPPING=1: call first thing on shutdown, so systemd shows "deactivating" while we close. */
  stopping (): Promise<void> {
    this.cancelStatus()
    return this.send('STOPPING=1', () => this.raw('STOPPING=1'))
  }

  protected override async _open (): Promise<void> {
    if (this.watchdogIntervalMs === 0) return
    this.watchdogTimer = setInterval(() => this.ping(), this.watchdogIntervalMs)
    // The interval proves the event loop turns; it must not by itself keep a finished process alive.
    this.watchdogTimer.unref()
    this.ping()
  }

  protected override async _close (): Promise<void> {
    if (this.watchdogTimer !== null) clearInterval(this.watchdogTimer)
    this.watchdogTimer = null
    this.cancelStatus()
    await Promise.all([...this.inflight])
  }

  private ping (): void {
    // A ping still in flight (a slow barrier) is enough; piling up processes would not help a stuck systemd.
    if (this.watchdogBusy) return
    this.watchdogBusy = true
    // send() never rejects (it logs), and the callback cannot throw.
    void this.send('WATCHDOG=1', () => this.raw('WATCHDOG=1')).finally(() => { this.watchdogBusy = false })
  }

  private flushStatus (): void {
    this.statusTimer = null
    const text = this.pendingStatus
    this.pendingStatus = null
    if (text === null || text === this.lastStatus) return
    this.lastStatus = text
    this.lastStatusAt = Date.now()
    // send() never rejects: a failed notification is logged.
    void this.send('STATUS=', () => this.notify({ status: text }))
  }

  private cancelStatus (): void {
    if (this.statusTimer !== null) clearTimeout(this.statusTimer)
    this.statusTimer = null
    this.pendingStatus = null
  }

  /** Runs one notification; never rejects: a failed notification is logged, it must not take the node down. */
  private send (what: string, run: () => Promise<unknown>): Promise<void> {
    if (!this.enabled) return Promise.resolve()
    const done = this.withSocket(run).then(() => { this.lastError = '' }, (err: unknown) => {
      const msg = err instanceof Error ? err.message : String(err).trim()
      // The watchdog would repeat the same failure every few seconds: say it once.
      if (msg === this.lastError) return log.debug(`could not send ${what} to systemd: ${msg}`)
      this.lastError = msg
      log.warn(`could not send ${what} to systemd: ${msg}`)
    })
    this.inflight.add(done)
    // done never rejects (both outcomes are handled above).
    void done.finally(() => this.inflight.delete(done))
    return done
  }

  /**
   * The npm package spawns with process.env and has no env option, while our NOTIFY_SOCKET comes from the
   * caller. spawn() copies the environment synchronously, so setting it just around the call hands it to that
   * one child and leaves process.env as it was.
   */
  private withSocket (run: () => Promise<unknown>): Promise<unknown> {
    const saved = process.env.NOTIFY_SOCKET
    process.env.NOTIFY_SOCKET = this.socket
    try {
      return run()
    } catch (err) {
      return Promise.reject(err)
    } finally {
      if (saved === undefined) delete process.env.NOTIFY_SOCKET
      else process.env.NOTIFY_SOCKET = saved
    }
  }

  /** `systemd-notify WATCHDOG=1`: the binary sends any VARIABLE=VALUE argument as is. */
  private raw (assignment: string): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.command, [assignment], { timeout: 10_000 }, (err, stdout, stderr) => {
        if (err === null) return resolve()
        reject(new Error(String(stderr).trim() || String(stdout).trim() || err.message))
      })
    })
  }
}

/** WATCHDOG_USEC/2 in ms, as sd_watchdog_enabled() advises; 0 when unset, invalid or meant for another pid. */
function watchdogInterval (env: SystemdEnv, pid: number): number {
  if (env.WATCHDOG_USEC === undefined || env.WATCHDOG_USEC === '') return 0
  // systemd sets WATCHDOG_PID to the main process; a child that inherited the variables must not ping.
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && env.WATCHDOG_PID !== String(pid)) return 0
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isSafeInteger(usec) || usec <= 0) {
    log.warn(`ignoring WATCHDOG_USEC=${env.WATCHDOG_USEC}: not a positive whole number of microseconds`)
    return 0
  }
  return Math.max(1, Math.floor(usec / 2000))
}
