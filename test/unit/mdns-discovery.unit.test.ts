import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import {
  MdnsDiscovery, instanceName, parsePeerTxt, pickAddress,
  type BonjourLike, type BrowserLike, type PeerRecord, type SeenService
} from '../../services/discovery/mdns-discovery.js'
import { setLogLevel } from '../../services/log.js'

setLogLevel('silent')

const OURS = 'ybndrfg8ejkmcpqxot1uwisza345h769ybndrfg8ejkmcpqxot1o'
const THEIRS = 'qxot1uwisza345h769ybndrfg8ejkmcpqxot1uwisza345h769yy'
const txt = (...entries: string[]) => entries.map((e) => Buffer.from(e))
const eth0 = { name: 'eth0', address: '192.168.4.10', netmask: '255.255.255.0' }

class FakeBrowser extends EventEmitter implements BrowserLike {
  services: unknown[] = []
  queries = 0
  update () { this.queries++ }
  stop () { /* nothing to stop in a fake */ }
}

class FakeBonjour implements BonjourLike {
  published: unknown[] = []
  browser = new FakeBrowser()
  calls: string[] = []
  constructor (readonly opts: { interface: string, bind: string }, readonly answer = true) {}
  publish (opts: unknown) { this.published.push(opts); return {} }
  find () { return this.browser }
  unpublishAll (cb?: () => void) { this.calls.push('unpublishAll'); if (this.answer) cb?.() }
  destroy (cb?: () => void) { this.calls.push('destroy'); if (this.answer) cb?.() }
}

type Addr = { address: string, netmask: string, internal?: boolean }

function setup (opts: { answer?: boolean, ifaces?: Record<string, Addr[]>, only?: string[] } = {}) {
  const made: FakeBonjour[] = []
  const ifaces: Record<string, Addr[]> = opts.ifaces ?? { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', internal: true }], eth0: [eth0] }
  const discovery = new MdnsDiscovery({
    name: 'Village library', nodeKey: OURS, port: 4000, protocolVersion: 1, interfaces: opts.only, rescanMs: 1000,
    bonjourFactory: (o) => { const b = new FakeBonjour(o, opts.answer ?? true); made.push(b); return b },
    networkInterfaces: () => Object.fromEntries(Object.entries(ifaces).map(([n, list]) => [n, list.map((a) => ({
      ...a, family: 'IPv4' as const, internal: a.internal ?? false, mac: '02:00:00:00:00:01', cidr: null
    }))]))
  })
  const peers: PeerRecord[] = []
  const gone: string[] = []
  discovery.on('peer', (p) => peers.push(p))
  discovery.on('peer-gone', (k) => gone.push(k))
  return { discovery, made, peers, gone, ifaces }
}

const service = (over: Partial<SeenService> = {}): SeenService => ({
  name: `Hall (${THEIRS.slice(0, 8)})`,
  fqdn: `Hall (${THEIRS.slice(0, 8)})._p2p-portal._tcp.local`,
  port: 4001,
  addresses: ['172.17.0.1', '192.168.4.20'],
  referer: { address: '192.168.4.20' },
  rawTxt: txt(`k=${THEIRS}`, 'v=1'),
  ...over
})

describe('TXT validation', () => {
  it('accepts a canonical z-base-32 key and a numeric version', () => {
    expect(parsePeerTxt(txt(`k=${THEIRS}`, 'v=2'))).toEqual({ key: THEIRS, version: 2 })
  })

  it('rejects keys of the wrong length, alphabet, case or padding, and missing or non-numeric versions', () => {
    for (const bad of [
      txt('k=abc', 'v=1'), txt(`k=${THEIRS}y`, 'v=1'), txt(`k=${THEIRS.slice(0, 51)}l`, 'v=1'),
      txt(`k=${THEIRS.slice(0, 51)}b`, 'v=1'), txt(`k=${THEIRS.toUpperCase()}`, 'v=1'), txt(`k=${THEIRS}\nx`, 'v=1'),
      txt(`k=${THEIRS}`), txt(`k=${THEIRS}`, 'v=one'), txt(`k=${THEIRS}`, 'v=1234567'), txt('v=1'), []
    ]) expect(parsePeerTxt(bad)).toBeNull()
  })

  it('survives input that is not a TXT record at all', () => {
    for (const bad of [undefined, null, 'k=x', {}, [1, 2], [{ k: THEIRS }]]) expect(parsePeerTxt(bad)).toBeNull()
    expect(parsePeerTxt(txt('__proto__=x', '=', 'k', `k=${THEIRS}`, 'v=1'))).toEqual({ key: THEIRS, version: 1 })
  })

  it('takes the first of repeated entries, as RFC 6763 says', () => {
    expect(parsePeerTxt(txt(`k=${THEIRS}`, `k=${OURS}`, 'v=1', 'v=9'))).toEqual({ key: THEIRS, version: 1 })
  })
})

describe('instance names and addresses', () => {
  it('makes a unique DNS label of at most 63 bytes from any display name', () => {
    expect(instanceName('Village library', OURS)).toBe('Village library (ybndrfg8)')
    const long = instanceName('Bibliothèque ' + 'é'.repeat(60), OURS)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63)
    expect(long.endsWith(' (ybndrfg8)')).toBe(true)
    expect(instanceName('a.b\nc', OURS)).toBe('a-b-c (ybndrfg8)')
    expect(instanceName('...', OURS)).toBe('--- (ybndrfg8)')
    expect(instanceName('', OURS)).toBe('p2p-portal (ybndrfg8)')
  })

  it('picks the address on the interface the record was heard on, preferring the sender', () => {
    expect(pickAddress(service(), eth0)).toBe('192.168.4.20')
    expect(pickAddress(service({ referer: undefined }), eth0)).toBe('192.168.4.20')
    expect(pickAddress(service({ addresses: [] }), eth0)).toBe('192.168.4.20')
    expect(pickAddress(service({ addresses: ['10.0.0.2'], referer: { address: '10.0.0.2' } }), eth0)).toBeNull()
    expect(pickAddress(service({ addresses: ['224.0.0.251', 'nonsense'], referer: undefined }), eth0)).toBeNull()
  })
})

describe('MdnsDiscovery', () => {
  it('publishes on each IPv4 LAN address from 0.0.0.0, under its own host name, with the key and version in TXT', async () => {
    const { discovery, made } = setup({ ifaces: {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', internal: true }],
      eth0: [eth0], wlan0: [{ address: '10.42.0.1', netmask: '255.255.255.0' }]
    } })
    await discovery.open()
    expect(made.map((b) => b.opts)).toEqual([
      { interface: '192.168.4.10', bind: '0.0.0.0' }, { interface: '10.42.0.1', bind: '0.0.0.0' }
    ])
    expect(made[0].published[0]).toMatchObject({
      name: 'Village library (ybndrfg8)', type: 'p2p-portal', port: 4000, host: 'p2p-ybndrfg8.local',
      txt: { k: OURS, v: '1' }
    })
    await discovery.close()
  })

  it('uses only the interfaces it is given by name', async () => {
    const { discovery, made } = setup({ only: ['wlan0'], ifaces: {
      eth0: [eth0], wlan0: [{ address: '10.42.0.1', netmask: '255.255.255.0' }]
    } })
    await discovery.open()
    expect(made.map((b) => b.opts.interface)).toEqual(['10.42.0.1'])
    await discovery.close()
  })

  it('moves a peer heard on two interfaces to the other one when the first goes away, without a peer-gone', async () => {
    vi.useFakeTimers()
    try {
      const wlan0 = { address: '192.168.4.11', netmask: '255.255.255.0' }
      const { discovery, made, peers, gone, ifaces } = setup({ ifaces: { eth0: [eth0], wlan0: [wlan0] } })
      await discovery.open()
      for (const b of made) { b.browser.services.push(service()); b.browser.emit('up', service()) }
      expect(peers).toHaveLength(1)
      delete ifaces.eth0
      await vi.advanceTimersByTimeAsync(1000)
      expect(gone).toEqual([])
      expect(peers).toHaveLength(1)
      expect(discovery.peerList).toEqual([{ key: THEIRS, host: '192.168.4.20', port: 4001, version: 1, name: 'Hall' }])
      delete ifaces.wlan0
      await vi.advanceTimersByTimeAsync(1000)
      expect(gone).toEqual([THEIRS])
      await discovery.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('clears its browser cache when a LAN announces more services than any real one has', async () => {
    vi.useFakeTimers()
    try {
      const { discovery, made } = setup()
      const finds: unknown[] = []
      const find = made.length
      await discovery.open()
      const bonjour = made[find]
      const original = bonjour.find.bind(bonjour)
      bonjour.find = () => { finds.push(1); bonjour.browser = new FakeBrowser(); return original() }
      bonjour.browser.services.push(...Array.from({ length: 2001 }, () => ({})))
      await vi.advanceTimersByTimeAsync(1000)
      expect(finds).toHaveLength(1)
      expect(bonjour.browser.services).toHaveLength(0)
      await discovery.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('emits a peer once per record, again when its address or port changes, and never for itself or bad TXT', async () => {
    const { discovery, made, peers } = setup()
    await discovery.open()
    const b = made[0].browser
    b.emit('up', service())
    b.emit('txt-update', service())
    b.emit('up', service({ rawTxt: txt(`k=${OURS}`, 'v=1') }))
    b.emit('up', service({ fqdn: 'evil', rawTxt: txt('k=evil', 'v=1') }))
    b.emit('up', service({ port: 0 }))
    expect(peers).toEqual([{ key: THEIRS, host: '192.168.4.20', port: 4001, version: 1, name: 'Hall' }])
    b.emit('srv-update', service({ port: 4002 }))
    expect(peers.at(-1)).toMatchObject({ key: THEIRS, port: 4002 })
    expect(peers).toHaveLength(2)
    await discovery.close()
  })

  it('emits peer-gone on the goodbye of the record that announced the key, not of another name', async () => {
    const { discovery, made, gone } = setup()
    await discovery.open()
    const b = made[0].browser
    b.emit('up', service())
    b.emit('down', service({ fqdn: 'someone else._p2p-portal._tcp.local' }))
    expect(gone).toEqual([])
    b.emit('down', service())
    expect(gone).toEqual([THEIRS])
    await discovery.close()
  })

  it('re-queries after 1 s, then doubles the gap up to 10 s, since answers get lost', async () => {
    vi.useFakeTimers()
    try {
      const { discovery, made } = setup()
      await discovery.open()
      const counts = []
      for (const step of [1000, 2000, 4000, 8000, 10_000, 10_000]) {
        await vi.advanceTimersByTimeAsync(step)
        counts.push(made[0].browser.queries)
      }
      expect(counts).toEqual([1, 2, 3, 4, 5, 6])
      await discovery.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('says goodbye before destroying, and closes within a second even when the socket never answers', async () => {
    const { discovery, made } = setup({ answer: false })
    await discovery.open()
    const t = Date.now()
    await Promise.all([discovery.close(), discovery.close()])
    expect(Date.now() - t).toBeLessThan(1000)
    expect(made[0].calls).toEqual(['unpublishAll', 'destroy'])
  })

  it('refuses a malformed node key or port with a coded error', () => {
    const base = { name: 'x', nodeKey: OURS, port: 4000, protocolVersion: 1 }
    expect(() => new MdnsDiscovery({ ...base, nodeKey: 'abc' })).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
    expect(() => new MdnsDiscovery({ ...base, port: 70000 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
  })
})
