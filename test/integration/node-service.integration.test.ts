// The node as systemd and the LAN see it: readiness only once it can serve, status lines, watchdog pings,
// a clean stop, an mDNS record any other mDNS stack can read, and a clear refusal of a bad configuration.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLan, startAvahi, type Lan, type Avahi } from '../helpers/netns.js'
import { startNode, type NodeProcess } from '../helpers/node-process.js'
import { startReceiver, assignments, type Receiver } from '../helpers/notify-receiver.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

const run = promisify(execFile)
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/p2p-portal.js')
let lan: Lan
let avahi: Avahi
let receiver: Receiver
let node: NodeProcess
let other: NodeProcess

beforeAll(async () => {
  lan = await createLan({ nodes: 2 })
  avahi = await startAvahi(lan.nodes[0])
  receiver = await startReceiver(await tempDir('p2p-notify-'))
  node = await startNode(lan.nodes[0], { name: 'Library Pi', env: { NOTIFY_SOCKET: receiver.socket, WATCHDOG_USEC: '400000' } })
  other = await startNode(lan.nodes[1], { name: 'Laptop' })
})
afterAll(async () => { receiver?.stop(); await avahi?.stop(); await lan?.destroy(); await removeTempDirs() })

describe('the node as a systemd service', () => {
  it('sends READY=1 once, after storage, discovery and HTTP are up, then STATUS= lines', async () => {
    await until(() => assignments(receiver).includes('READY=1'), { what: 'READY=1' })
    expect(assignments(receiver).filter(a => a === 'READY=1')).toHaveLength(1)
    // startNode returned only once /api/status answered; READY=1 came after the listener was up.
    expect(node.logs.findIndex(l => l.includes('portal listening'))).toBeLessThan(node.logs.findIndex(l => l.includes('ready in')))
    await until(() => assignments(receiver).some(a => /^STATUS=\d+ peers, \d+ drives/.test(a)), { what: 'STATUS=' })
  })

  it('pings WATCHDOG=1 repeatedly when systemd asks for it', async () => {
    await until(() => assignments(receiver).filter(a => a === 'WATCHDOG=1').length >= 3, { timeout: 3000, what: 'three watchdog pings' })
  })

  it('is seen by avahi-browse, an independent mDNS stack, with its key and protocol version in TXT', async () => {
    const key = (await node.status()).node.key
    const browse = await lan.nodes[0].exec('avahi-browse', ['--parsable', '--resolve', '--terminate', '_p2p-portal._tcp'], { env: avahi.env, timeout: 15_000 })
    expect(browse.code, browse.stderr).toBe(0)
    const line = browse.stdout.split('\n').find(l => l.startsWith('=') && l.includes(`"k=${key}"`))
    expect(line, browse.stdout).toBeDefined()
    expect(line).toContain('"v=1"')
    // avahi-browse --parsable escapes spaces in names as \032.
    expect(line).toContain('Library\\032Pi')
  })

  it('on SIGTERM says STOPPING=1, sends an mDNS goodbye, and exits 0 within 5 s', async () => {
    await until(async () => (await other.status()).peers.length === 1, { what: 'laptop connected' })
    const started = Date.now()
    expect(await node.stop('SIGTERM')).toBe(0)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(assignments(receiver)).toContain('STOPPING=1')
    await until(async () => (await other.status()).peers.length === 0, { timeout: 3000, what: 'laptop to see it go' })
    expect(other.logs.join('\n')).toMatch(/Library Pi.*(disconnected|gone)|disconnected/)
  })

  it('refuses a bad configuration with exit code 2 and a message naming the key and the fix', async () => {
    const err = await run(process.execPath, [CLI, 'start', '--port', 'eighty']).catch(e => e)
    expect(err.code).toBe(2)
    expect(err.stderr).toMatch(/Bad value for port: "eighty"\. Expected a TCP port from 1 to 65535/)
  })
})
