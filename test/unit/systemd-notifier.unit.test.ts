import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import systemdNotify, { type NotifyOptions } from 'systemd-notify'
import { SystemdNotifier } from '../../services/systemd/systemd-notifier.js'
import { setLogLevel } from '../../services/log.js'
import { startReceiver, assignments, type Receiver } from '../helpers/notify-receiver.js'
import { until as untilValue, holdsFor } from '../helpers/until.js'

// Each notification is a systemd-notify process: on a loaded host one takes far longer than on a quiet one.
const until = (check: () => boolean) => untilValue(check, { timeout: 15_000, every: 10 })

describe('SystemdNotifier', () => {
  let dir: string
  let receiver: Receiver
  let notifier: SystemdNotifier | null = null

  beforeEach(async () => {
    setLogLevel('silent')
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'notify-'))
    receiver = await startReceiver(dir)
  })

  afterEach(async () => {
    await notifier?.close()
    notifier = null
    receiver.child.kill()
    await fs.rm(dir, { recursive: true, force: true })
    setLogLevel('info')
  })

  it('sends READY=1 only when ready() is called, with our pid as MAINPID', async () => {
    const asked: NotifyOptions[] = []
    notifier = new SystemdNotifier({ env: { NOTIFY_SOCKET: receiver.socket }, notify: (o) => { asked.push(o); return systemdNotify(o) } })
    await notifier.open()
    expect(asked).toEqual([])
    await receiver.drain()
    expect(assignments(receiver)).not.toContain('READY=1')

    await notifier.ready()
    await until(() => assignments(receiver).includes('READY=1'))
    expect(assignments(receiver)).toContain(`MAINPID=${process.pid}`)
  })

  it('sends STATUS= lines, coalescing a burst into at most one process per interval, latest text last', async () => {
    notifier = new SystemdNotifier({ env: { NOTIFY_SOCKET: receiver.socket }, statusIntervalMs: 300 })
    await notifier.open()
    for (let i = 1; i <= 20; i++) notifier.status(`peers: ${i}`)
    await until(() => assignments(receiver).includes('STATUS=peers: 20'))
    const statuses = assignments(receiver).filter((l) => l.startsWith('STATUS='))
    expect(statuses).toEqual(['STATUS=peers: 1', 'STATUS=peers: 20'])
  })

  it('keeps a status text with a newline on one STATUS= line', async () => {
    notifier = new SystemdNotifier({ env: { NOTIFY_SOCKET: receiver.socket } })
    notifier.status('drive "x"\nREADY=1')
    await until(() => assignments(receiver).some((l) => l.startsWith('STATUS=')))
    expect(assignments(receiver)).toContain('STATUS=drive "x" READY=1')
    expect(assignments(receiver)).not.toContain('READY=1')
  })

  it('pings WATCHDOG=1 every WATCHDOG_USEC/2 while open, and stops on close', async () => {
    notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: receiver.socket, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) }
    })
    expect(notifier.watchdogIntervalMs).toBe(100)
    await notifier.open()
    await until(() => assignments(receiver).filter((l) => l === 'WATCHDOG=1').length >= 4)
    // close() waits for the pings in flight; drain() for the receiver to print them.
    await notifier.close()
    await receiver.drain()
    const count = assignments(receiver).filter((l) => l === 'WATCHDOG=1').length
    // Nothing marks "no more pings": watch for three intervals.
    await holdsFor(() => assignments(receiver).filter((l) => l === 'WATCHDOG=1').length === count, 300, { what: 'no ping after close' })
    await receiver.drain()
    expect(assignments(receiver).filter((l) => l === 'WATCHDOG=1').length).toBe(count)
  })

  it('does not ping when WATCHDOG_PID names another process (variables inherited by a child)', async () => {
    notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: receiver.socket, WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid + 1) }
    })
    expect(notifier.watchdogIntervalMs).toBe(0)
    await notifier.open()
    await notifier.ready()
    // A watchdog pings at once on open(); close() waits for every send in flight, drain() for the receiver.
    await notifier.close()
    await receiver.drain()
    expect(assignments(receiver)).toContain('READY=1')
    expect(assignments(receiver)).not.toContain('WATCHDOG=1')
  })

  it('sends STOPPING=1 on stopping()', async () => {
    notifier = new SystemdNotifier({ env: { NOTIFY_SOCKET: receiver.socket } })
    await notifier.open()
    await notifier.stopping()
    await until(() => assignments(receiver).includes('STOPPING=1'))
  })

  it('sends nothing at all without NOTIFY_SOCKET, even with a watchdog configured', async () => {
    let calls = 0
    notifier = new SystemdNotifier({
      env: { WATCHDOG_USEC: '20000' },
      notify: async () => { calls++ },
      command: path.join(dir, 'must-not-run')
    })
    expect(notifier.enabled).toBe(false)
    await notifier.open()
    await notifier.ready()
    notifier.status('hello')
    await notifier.stopping()
    // A watchdog would ping at once on open(); close() waits for every send in flight.
    await notifier.close()
    await receiver.drain()
    expect(calls).toBe(0)
    expect(receiver.messages).toEqual([])
  })

  it('logs a failing binary once instead of throwing, and leaves process.env alone', async () => {
    const before = process.env.NOTIFY_SOCKET
    const lines: string[] = []
    setLogLevel('info')
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { lines.push(String(chunk)); return true })
    // The real binary, behind a wrapper that counts its runs, so the test can wait for repeated failures.
    const runs = path.join(dir, 'runs')
    const command = path.join(dir, 'systemd-notify')
    await fs.writeFile(command, `#!/bin/sh\necho run >> '${runs}'\nexec systemd-notify "$@"\n`, { mode: 0o755 })
    const ran = async () => (await fs.readFile(runs, 'utf8').catch(() => '')).split('\n').filter(Boolean).length
    notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: path.join(dir, 'nobody-listens.sock'), WATCHDOG_USEC: '40000' }, command
    })
    await notifier.open()
    await expect(notifier.ready()).resolves.toBeUndefined()
    await untilValue(async () => await ran() >= 3, { timeout: 15_000, every: 10, what: 'three failed watchdog pings' })
    await expect(notifier.stopping()).resolves.toBeUndefined()
    await notifier.close()
    spy.mockRestore()
    expect(process.env.NOTIFY_SOCKET).toBe(before)
    // READY=1, then the watchdog's and STOPPING=1's identical failure: one line, not one per ping.
    expect(lines.length).toBe(1)
    expect(lines[0]).toMatch(/^\[systemd\] warn: could not send .* to systemd: .+/)
  })
})
