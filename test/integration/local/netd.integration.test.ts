import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { spawn } from 'node:child_process'
import net from 'node:net'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NetdServer } from '../../../services/netd/netd-server.js'
import { NetdClient, DEFAULT_NETD_SOCKET } from '../../../services/netd/netd-client.js'
import { WifiAdapter } from '../../../services/wifi/wifi-adapter.js'
import { isPortalError, type PortalError } from '../../../services/errors.js'
import { setLogLevel } from '../../../services/log.js'
import { createFakeNmcli, type FakeNmcli } from '../../helpers/fake-nmcli.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const SECRET = 'open sesame 123'

/**
 * Sends raw bytes on one connection and collects the reply lines. With `hangUp` it then waits (up to 10 s) for
 * netd to close the connection (closed: true); without, it hangs up itself once `lines` replies are in.
 */
function exchange (socketPath: string, bytes: string | Buffer, opts: { lines?: number, halfClose?: boolean, hangUp?: boolean } = {}): Promise<{ replies: any[], closed: boolean }> {
  const { lines = 1, halfClose = false, hangUp = false } = opts
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath, allowHalfOpen: true })
    const replies: any[] = []
    let buffered = ''
    let bound: NodeJS.Timeout | null = null
    const finish = (closed: boolean) => { if (bound) clearTimeout(bound); socket.destroy(); resolve({ replies, closed }) }
    socket.on('error', reject)
    socket.on('connect', () => halfClose ? socket.end(bytes) : socket.write(bytes))
    socket.on('data', (chunk) => {
      buffered += chunk.toString()
      let end: number
      while ((end = buffered.indexOf('\n')) !== -1) {
        replies.push(JSON.parse(buffered.slice(0, end)))
        buffered = buffered.slice(end + 1)
      }
      if (replies.length < lines || bound) return
      if (hangUp) bound = setTimeout(() => finish(false), 10_000)
      else finish(false)
    })
    socket.on('end', () => finish(true))
  })
}

describe('netd: NetdClient ↔ NetdServer over a unix socket, fake nmcli on PATH', () => {
  let dir: string
  let socketPath: string
  let nmcli: FakeNmcli
  let server: NetdServer
  let client: NetdClient

  beforeEach(async () => {
    setLogLevel('silent')
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netd-'))
    socketPath = path.join(dir, 'netd.sock')
    nmcli = await createFakeNmcli({
      networks: [{ ssid: 'Home', signal: 80, security: 'WPA2' }, { ssid: 'Library', signal: 30, security: '' }],
      passwords: { Home: SECRET }
    })
    nmcli.install()
    server = new NetdServer({ path: socketPath, wifi: new WifiAdapter({ secretDir: dir }) })
    await server.open()
    // Every fake nmcli call is a node process, slow on a loaded host; the timeout itself has its own test below.
    client = new NetdClient({ path: socketPath, timeoutMs: 60_000 })
  })

  afterEach(async () => {
    await client.close()
    await server.close()
    await nmcli.remove()
    await fs.rm(dir, { recursive: true, force: true })
    setLogLevel('info')
  })

  it('reports status, scans, joins and sets the hotspot', async () => {
    expect(await client.status()).toEqual({ available: true, current: null })
    expect(await client.scan()).toEqual([
      { ssid: 'Home', signal: 80, security: 'WPA2' },
      { ssid: 'Library', signal: 30, security: 'open' }
    ])

    await client.join({ ssid: 'Home', password: SECRET })
    expect(await client.status()).toEqual({
      available: true,
      current: { mode: 'client', ssid: 'Home', connection: 'p2p-portal-wifi-Home', signal: 80 }
    })

    await client.setHotspot({ ssid: 'Portal' })
    expect((await client.status()).current).toMatchObject({ mode: 'hotspot', ssid: 'Portal' })

    for (const call of await nmcli.calls()) expect(call.argv.join(' ')).not.toContain(SECRET)
  })

  it('brings back the adapter\'s errors with their codes, and their reasons and values for the admin page\'s words', async () => {
    const short = await client.setHotspot({ ssid: 'Portal', password: 'short' }).catch((e: unknown) => e)
    expect(isPortalError(short, 'BAD_REQUEST')).toBe(true)
    expect((short as Error).message).toMatch(/8 to 63 characters/)
    expect((short as PortalError).details).toEqual({ reason: 'wifiPasswordLength', field: 'password' })

    const wrong = await client.join({ ssid: 'Home', password: 'not the password' }).catch((e: unknown) => e)
    expect(isPortalError(wrong, 'WIFI_FAILED')).toBe(true)
    expect((wrong as Error).message).toMatch(/did not accept the connection .* Check the password/)
    expect((wrong as PortalError).details).toEqual({ reason: 'wifiJoinRefused', ssid: 'Home', seconds: 45, exitCode: 3 })

    await nmcli.setState({ running: false })
    expect(await client.status()).toEqual({ available: false, current: null })
    const scan = await client.scan().catch((e: unknown) => e)
    expect(isPortalError(scan, 'WIFI_UNAVAILABLE')).toBe(true)
  })

  it('answers malformed JSON, unknown ops, unknown fields and wrong types with BAD_REQUEST, then keeps serving', async () => {
    const { replies } = await exchange(socketPath, [
      '{"op": "scan"',
      '[1, 2]',
      '{"op": "reboot"}',
      '{"op": "scan", "iface": "wlan1"}',
      '{"op": "join", "ssid": 5}',
      '{"op": "join", "ssid": "Home", "password": null}',
      '{"op": "status"}'
    ].join('\n') + '\n', { lines: 7 })
    expect(replies.slice(0, 6).map((r) => [r.ok, r.code])).toEqual(Array(6).fill([false, 'BAD_REQUEST']))
    expect(replies[2].message).toMatch(/Unknown op "reboot"/)
    expect(replies[3].message).toMatch(/Unknown field "iface"/)
    // The same connection still works after the refusals.
    expect(replies[6]).toEqual({ ok: true, available: true, current: null })
    expect(await client.status()).toMatchObject({ available: true })
  })

  it('answers a client that ends its side right after the request (nc -U style)', async () => {
    const { replies, closed } = await exchange(socketPath, '{"op":"scan"}\n{"op":"status"}\n', { lines: 2, halfClose: true, hangUp: true })
    expect(replies.map((r) => r.ok)).toEqual([true, true])
    expect(replies[0].networks).toHaveLength(2)
    expect(closed).toBe(true)
  })

  it('refuses a request line over 4 KiB with one error reply, hangs up, and stays up for others', async () => {
    const noNewline = await exchange(socketPath, 'x'.repeat(5000), { hangUp: true })
    expect(noNewline.replies).toEqual([{ ok: false, code: 'BAD_REQUEST', message: 'The request line is longer than 4096 bytes.', details: { reason: 'netdBadRequest' } }])
    expect(noNewline.closed).toBe(true)

    const big = JSON.stringify({ op: 'join', ssid: 'Home', password: 'p'.repeat(5000) }) + '\n'
    const withNewline = await exchange(socketPath, big, { hangUp: true })
    expect(withNewline.replies[0]).toMatchObject({ ok: false, code: 'BAD_REQUEST' })
    expect(withNewline.closed).toBe(true)

    expect(await client.scan()).toHaveLength(2)
    expect((await nmcli.calls()).some((c) => c.argv.includes('connection'))).toBe(false)
  })

  it('tells the admin page plainly when there is no netd socket', async () => {
    const absent = new NetdClient({ path: path.join(dir, 'nothing-here.sock') })
    const err = await absent.scan().catch((e: unknown) => e)
    expect(isPortalError(err, 'WIFI_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toBe('Wi-Fi settings need the p2p-portal-netd service (present on the appliance image).')
  })

  it('gives up on a netd that does not answer, as WIFI_FAILED', async () => {
    const mute = net.createServer(() => { /* never answers */ })
    const mutePath = path.join(dir, 'mute.sock')
    await new Promise<void>((resolve) => mute.listen(mutePath, resolve))
    const impatient = new NetdClient({ path: mutePath, timeoutMs: 200 })
    const started = Date.now()
    const err = await impatient.status().catch((e: unknown) => e)
    expect(isPortalError(err, 'WIFI_FAILED')).toBe(true)
    expect((err as Error).message).toMatch(/did not answer/)
    expect(Date.now() - started).toBeLessThan(2000)
    mute.close()
  })

  it('refuses to take over a path where another netd is listening', async () => {
    const second = new NetdServer({ path: socketPath, wifi: new WifiAdapter() })
    await expect(second.open()).rejects.toThrow(/already listens/)
    expect(await client.status()).toMatchObject({ available: true })
  })
})

// systemd's side of socket activation, in a few lines: bind and listen, put the socket on fd 3, set
// LISTEN_PID to our own pid and LISTEN_FDS=1, then exec the service (exec keeps the pid).
const ACTIVATOR = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execvp(sys.argv[2], sys.argv[2:])
`

describe('netd main under socket activation', () => {
  it('serves on the socket systemd passes as fd 3, and exits 0 after the idle timeout', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netd-act-'))
    const nmcli = await createFakeNmcli()
    nmcli.install()
    const socketPath = path.join(dir, 'netd.sock')
    const entry = `import { main } from ${JSON.stringify(path.join(ROOT, 'app/netd-main.ts'))}; await main(['--idle-timeout', '1', '--secret-dir', ${JSON.stringify(dir)}])`
    const child = spawn('python3', ['-c', ACTIVATOR, socketPath, process.execPath, '--import', 'tsx', '--input-type=module', '-e', entry], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const client = new NetdClient({ path: socketPath, timeoutMs: 60_000 })
      // The socket accepts connections as soon as it is bound, before node has even started: as with systemd.
      await expect.poll(() => fs.stat(socketPath).then(() => true, () => false), { timeout: 20_000 }).toBe(true)
      expect(await client.status()).toEqual({ available: true, current: null })
      const started = Date.now()
      expect(await exited).toBe(0)
      expect(Date.now() - started).toBeGreaterThanOrEqual(900)
      expect(output).toMatch(/\[netd\] listening on fd 3 \(socket activation\)/)
      expect(output).toMatch(/\[netd\] no requests for 1 s: exiting/)
    } finally {
      child.kill()
      await nmcli.remove()
      await fs.rm(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
