// mDNS discovery between real processes in network namespaces: a bridge, one namespace per node, no default
// route and no multicast route, like Pis on an offline LAN.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import id from 'hypercore-id-encoding'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLan, startAvahi, sweepLans, type Avahi, type Lan, type LanNode } from '../helpers/netns.js'
import { until, holdsFor } from '../helpers/until.js'

const ROOT = new URL('../..', import.meta.url).pathname

interface Event { event: string, at: number, key?: string, host?: string, port?: number, version?: number, name?: string, ms?: number, message?: string, n?: number }

interface Peer {
  key: string
  port: number
  node: LanNode
  proc: ChildProcess
  events: Event[]
  output: string[]
  opened: number
  /** when stop() sent SIGTERM */
  stoppedAt: number
  waitFor (match: (e: Event) => boolean, ms: number, what: string): Promise<Event>
  stop (): Promise<Event>
}

const running = new Set<Peer>()
const avahis = new Set<Avahi>()

function nodeKey (): string {
  return id.encode(randomBytes(32))
}

function watchLines (proc: ChildProcess, events: Event[], output: string[]): void {
  let buf = ''
  proc.stdout!.on('data', (d) => {
    buf += String(d)
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      output.push(line)
      if (line.startsWith('{')) events.push({ ...JSON.parse(line), at: Date.now() })
    }
  })
  proc.stderr!.on('data', (d) => output.push(String(d)))
}

function waiter (events: Event[], output: string[]) {
  return async (match: (e: Event) => boolean, ms: number, what: string): Promise<Event> => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      const hit = events.find(match)
      if (hit) return hit
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what}; output:\n${output.join('\n')}`)
  }
}

async function startPeer (node: LanNode, name: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<Peer> {
  const key = nodeKey()
  const proc = node.spawn('node', ['--import', 'tsx', 'test/helpers/mdns-peer.ts', name, key, String(port)],
    { cwd: ROOT, env: { ...process.env, ...env } })
  const events: Event[] = []
  const output: string[] = []
  watchLines(proc, events, output)
  const waitFor = waiter(events, output)
  const peer: Peer = {
    key, port, node, proc, events, output, opened: 0, stoppedAt: 0, waitFor,
    async stop () {
      peer.stoppedAt = Date.now()
      proc.kill('SIGTERM')
      const closed = await waitFor((e) => e.event === 'closed', 5000, `${name} to close`)
      running.delete(peer)
      return closed
    }
  }
  running.add(peer)
  peer.opened = (await waitFor((e) => e.event === 'open', 15_000, `${name} to open`)).at
  return peer
}

const sees = (p: Peer, other: Peer) => (e: Event) => e.event === 'peer' && e.key === other.key
const crashed = (p: Peer) => p.events.find((e) => e.event === 'crash')

describe('mDNS discovery on a LAN with no default route', () => {
  let lan: Lan

  beforeAll(async () => {
    lan = await createLan({ nodes: 5 })
  })

  afterEach(async () => {
    for (const a of avahis) await a.stop()
    avahis.clear()
    for (const p of running) p.proc.kill('SIGKILL')
    running.clear()
  })

  afterAll(async () => {
    await lan?.destroy()
    const left = execFileSync('ip', ['netns', 'list']).toString()
    expect(left).not.toContain(lan?.name ?? 'no lan')
  })

  it('three nodes each find the other two within 2 s, with their keys, ports and LAN addresses', async () => {
    const peers = [
      await startPeer(lan.nodes[0], 'Library A', 4000),
      await startPeer(lan.nodes[1], 'Library B', 4001),
      await startPeer(lan.nodes[2], 'Library C', 4002)
    ]
    const latencies: number[] = []
    for (const p of peers) {
      for (const other of peers.filter((o) => o !== p)) {
        const seen = await p.waitFor(sees(p, other), 5000, `${p.node.ns} to see ${other.node.ns}`)
        expect(seen).toMatchObject({ host: other.node.ip, port: other.port, version: 1 })
        expect(seen.name).toBe(`Library ${'ABC'[other.node.index]}`)
        latencies.push(seen.at - Math.max(p.opened, other.opened))
      }
      expect(p.events.filter((e) => e.event === 'peer' && e.key === p.key)).toEqual([])
    }
    console.log(`discovery latency after both were open: max ${Math.max(...latencies)} ms, all ${latencies.join(' ')}`)
  })

  it('a node that closes says goodbye: the others get peer-gone at once, and close takes under 1 s', async () => {
    const a = await startPeer(lan.nodes[0], 'A', 4000)
    const b = await startPeer(lan.nodes[1], 'B', 4001)
    const c = await startPeer(lan.nodes[2], 'C', 4002)
    await b.waitFor(sees(b, a), 5000, 'B to see A')
    await c.waitFor(sees(c, a), 5000, 'C to see A')

    const closed = await a.stop()
    expect(closed.ms).toBeLessThan(1000)
    for (const p of [b, c]) {
      const gone = await p.waitFor((e) => e.event === 'peer-gone' && e.key === a.key, 1000, 'peer-gone for A')
      console.log(`${p.node.ns}: peer-gone ${gone.at - a.stoppedAt} ms after SIGTERM; close took ${closed.ms} ms`)
    }
    expect(b.events.some((e) => e.event === 'peer-gone' && e.key === c.key)).toBe(false)
  })

  it('avahi-daemon in the same namespace shares port 5353 with the node, whichever starts first, and avahi-browse sees the key in TXT', async () => {
    // Namespace 0: avahi first, then the node. Namespace 1: the node first, then avahi.
    const avahi0 = await startAvahi(lan.nodes[0]); avahis.add(avahi0)
    const a = await startPeer(lan.nodes[0], 'A', 4000)
    const b = await startPeer(lan.nodes[1], 'B', 4001)
    const avahi1 = await startAvahi(lan.nodes[1]); avahis.add(avahi1)

    for (const [node, avahi, self] of [[lan.nodes[0], avahi0, a], [lan.nodes[1], avahi1, b]] as const) {
      const browse = await node.exec('avahi-browse', ['--parsable', '--resolve', '--terminate', '_p2p-portal._tcp'],
        { env: avahi.env, timeout: 15_000 })
      expect(browse.code, browse.stderr).toBe(0)
      const resolved = browse.stdout.split('\n').filter((l) => l.startsWith('='))
      for (const p of [a, b]) {
        const line = resolved.find((l) => l.includes(`"k=${p.key}"`))
        expect(line, `${node.ns} avahi-browse for ${p.node.ns}:\n${browse.stdout}`).toBeDefined()
        const f = line!.split(';')
        expect({ type: f[4], host: f[6], ip: f[7], port: Number(f[8]) })
          .toEqual({ type: '_p2p-portal._tcp', host: `p2p-${p.key.slice(0, 8)}.local`, ip: p.node.ip, port: p.port })
        expect(line).toContain('"v=1"')
      }
      expect(self.proc.exitCode).toBeNull()
    }
    // Neither daemon reports its names taken by the node next to it (the node publishes as p2p-<key>.local).
    for (const avahi of [avahi0, avahi1]) expect(avahi.output()).not.toMatch(/conflict/i)
    await a.waitFor(sees(a, b), 5000, 'A to see B next to avahi')
    await b.waitFor(sees(b, a), 5000, 'B to see A next to avahi')

    // And the other way: a record published by avahi (a laptop's) is a peer to our browser.
    const laptop = nodeKey()
    const pub = lan.nodes[1].spawn('avahi-publish', ['-s', 'Laptop', '_p2p-portal._tcp', '4100', `k=${laptop}`, 'v=1'],
      { env: avahi1.env })
    try {
      const seen = await a.waitFor((e) => e.event === 'peer' && e.key === laptop, 5000, 'A to see the avahi-published laptop')
      expect(seen).toMatchObject({ host: lan.nodes[1].ip, port: 4100, name: 'Laptop' })
    } finally {
      pub.kill('SIGTERM')
    }
  })

  it('a hostile responder announcing 1,000 malformed services crashes no node, and none of them becomes a peer', async () => {
    const a = await startPeer(lan.nodes[0], 'A', 4000)
    const control = nodeKey()
    const hostile = lan.nodes[3].spawn('node',
      ['--import', 'tsx', 'test/helpers/mdns-hostile.ts', lan.nodes[3].ip, '1000', a.key, control], { cwd: ROOT })
    const hostileOut: Event[] = []
    watchLines(hostile, hostileOut, [])
    await waiter(hostileOut, [])((e) => e.event === 'flooding', 15_000, 'the hostile responder')

    // A node that arrives during the flood is still found, and still finds A.
    const b = await startPeer(lan.nodes[1], 'B', 4001)
    await a.waitFor(sees(a, b), 3000, 'A to see B during the flood')
    await b.waitFor(sees(b, a), 3000, 'B to see A during the flood')
    const floods = hostileOut.filter((e) => e.event === 'round').length
    await waiter(hostileOut, [])((e) => e.event === 'round' && (e.n ?? 0) >= floods + 3, 15_000, 'three more rounds of the flood')

    for (const p of [a, b]) {
      expect(crashed(p)).toBeUndefined()
      expect(p.proc.exitCode).toBeNull()
      // The one well-formed record in the flood shows the rest was heard and rejected, not lost.
      const keys = new Set(p.events.filter((e) => e.event === 'peer').map((e) => e.key))
      expect([...keys].sort()).toEqual([p === a ? b.key : a.key, control].sort())
      expect(p.events.find((e) => e.key === control)).toMatchObject({ host: lan.nodes[3].ip, port: 4999 })
    }
    hostile.kill('SIGKILL')
    // Still closes cleanly afterwards.
    expect((await a.stop()).ms).toBeLessThan(1000)
  })

  it('a node whose network comes up after it started (cable plugged in later) is found after the next rescan', async () => {
    const late = lan.nodes[4]
    const run = async (...args: string[]) => expect((await late.exec('ip', args)).code).toBe(0)
    await run('addr', 'flush', 'dev', 'eth0')
    try {
      const a = await startPeer(lan.nodes[0], 'A', 4000)
      const d = await startPeer(late, 'D', 4004, { RESCAN_MS: '500' })
      // No event marks a rescan: stay without peers through one rescan period and a margin.
      await holdsFor(() => !d.events.some((e) => e.event === 'peer'), 700, { what: 'no peer without an address' })
      expect(d.events.filter((e) => e.event === 'peer')).toEqual([])
      const plugged = Date.now()
      await run('addr', 'add', `${late.ip}/24`, 'dev', 'eth0')
      await d.waitFor(sees(d, a), 5000, 'D to see A once its address is up')
      const seen = await a.waitFor(sees(a, d), 5000, 'A to see D once its address is up')
      expect(seen.host).toBe(late.ip)
      console.log(`found ${seen.at - plugged} ms after the address came up (rescan every 500 ms)`)
    } finally {
      await late.exec('ip', ['addr', 'replace', `${late.ip}/24`, 'dev', 'eth0'])
    }
  })

  it('a node on two LANs (two sockets on 0.0.0.0:5353 in one process) gives each peer its address on the LAN it is on', async () => {
    // Node 3 keeps eth0 on the bridge and gets eth1, a link to node 4, which leaves the bridge: two separate LANs.
    const [lanNode, hub, far] = [lan.nodes[0], lan.nodes[3], lan.nodes[4]]
    const other = `10.78.${lan.subnet.split('.')[2]}`
    const ip = async (...args: string[]) => expect((await hub.exec('ip', args)).stderr).toBe('')
    await ip('link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', far.ns)
    await ip('addr', 'add', `${other}.1/24`, 'dev', 'eth1')
    await ip('link', 'set', 'eth1', 'up')
    await far.exec('ip', ['link', 'set', 'eth0', 'down'])
    await far.exec('ip', ['addr', 'add', `${other}.2/24`, 'dev', 'eth1'])
    await far.exec('ip', ['link', 'set', 'eth1', 'up'])
    // A new veth pair takes a moment to get its carrier; until then the interface is not listed as up, and a node
    // started meanwhile would only find it at its next rescan (10 s).
    for (const n of [hub, far]) {
      await until(async () => (await n.exec('ip', ['link', 'show', 'eth1'])).stdout.includes('LOWER_UP'), { timeout: 5000, what: `${n.ns} eth1 carrier` })
    }
    try {
      const a = await startPeer(lanNode, 'A', 4000)
      const h = await startPeer(hub, 'Hub', 4003)
      const f = await startPeer(far, 'Far', 4004)
      expect(await h.waitFor(sees(h, a), 5000, 'Hub to see A')).toMatchObject({ host: lanNode.ip })
      expect(await h.waitFor(sees(h, f), 5000, 'Hub to see Far')).toMatchObject({ host: `${other}.2` })
      expect(await a.waitFor(sees(a, h), 5000, 'A to see Hub')).toMatchObject({ host: hub.ip })
      expect(await f.waitFor(sees(f, h), 5000, 'Far to see Hub')).toMatchObject({ host: `${other}.1` })
      // mDNS is link-local: nothing is relayed from one LAN to the other. No event marks "nothing relayed": watch
      // through more than one announcement round.
      await holdsFor(() => !a.events.some(sees(a, f)) && !f.events.some(sees(f, a)), 1500, { what: 'no relay across LANs' })
      expect(a.events.some(sees(a, f))).toBe(false)
      expect(f.events.some(sees(f, a))).toBe(false)
      expect(h.events.filter((e) => e.event === 'peer')).toHaveLength(2)
    } finally {
      await hub.exec('ip', ['link', 'del', 'eth1'])
      await far.exec('ip', ['link', 'set', 'eth0', 'up'])
    }
  })

  it('the harness adds nodes to a running LAN and shapes their links', async () => {
    const node = await lan.addNode()
    expect(node.ip).toBe(`${lan.subnet.split('.').slice(0, 3).join('.')}.${lan.nodes.length}`)
    const ping = await node.exec('node', ['-e', `require('net').connect(9, '${lan.nodes[0].ip}').on('error', (e) => { console.log(e.code); process.exit(0) })`])
    expect(ping.stdout.trim()).toBe('ECONNREFUSED') // reachable: a RST came back
    await lan.shape(node.index, 10)
    const tc = await node.exec('tc', ['qdisc', 'show', 'dev', 'eth0'])
    expect(tc.stdout).toMatch(/tbf .*rate 10Mbit/)
  })

  it('the harness sweeps namespaces left behind by a run that crashed, and leaves live runs alone', async () => {
    const dead = spawnSync('true').pid
    const prefix = 'pp' + randomBytes(3).toString('hex')
    execFileSync('ip', ['netns', 'add', `${prefix}-0`])
    mkdirSync('/run/p2p-portal-netns', { recursive: true })
    writeFileSync(`/run/p2p-portal-netns/${prefix}`, String(dead))
    const swept = await sweepLans()
    expect(swept).toContain(prefix)
    expect(swept).not.toContain(lan.name)
    const left = execFileSync('ip', ['netns', 'list']).toString()
    expect(left).not.toContain(prefix)
    expect(left).toContain(`${lan.name}-0`)
  })
})
