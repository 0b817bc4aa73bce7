// Finds other p2p-portal nodes on the LAN over mDNS (bonjour-service) and advertises this one, with no Internet
// and no default route. Liveness comes from the replication connection, not from here: a node that loses power
// sends no goodbye, and its record can linger for hours.
import { EventEmitter } from 'node:events'
import os from 'node:os'
import Bonjour from 'bonjour-service'
import { BAD_KEY, CONFIG_INVALID } from '../errors.js'
import { logger } from '../log.js'
import { Resource } from '../lifecycle/resource.js'
import { Z32_ALPHABET } from '../storage/drive-key.js'

const log = logger('mdns')

export const SERVICE_TYPE = 'p2p-portal'
// 32 bytes in 52 characters: the last one carries a single bit, so it is y or o.
const Z32_KEY = new RegExp(`^[${Z32_ALPHABET}]{51}[yo]$`)
// One browser cache entry per service instance ever seen: a hostile LAN could grow it without end.
const MAX_CACHED_SERVICES = 2000
const MAX_PEERS = 1000
const CLOSE_STEP_MS = 300

export interface PeerRecord { key: string, host: string, port: number, version: number, name: string }

export interface BonjourFactoryOptions { interface: string, bind: string }
/** The part of bonjour-service this class uses; a test can hand in a fake. */
export interface BonjourLike {
  publish (opts: Bonjour.ServiceConfig): unknown
  find (opts: Bonjour.BrowserConfig): BrowserLike
  unpublishAll (cb?: () => void): void
  destroy (cb?: () => void): void
}
export interface BrowserLike extends EventEmitter {
  update (): void
  stop (): void
  readonly services: unknown[]
}
/** What a browser event carries (a subset of bonjour-service's Service). */
export interface SeenService {
  name?: string
  fqdn?: string
  port?: number
  addresses?: string[]
  referer?: { address: string }
  rawTxt?: unknown
}

export interface MdnsDiscoveryOptions {
  name: string
  nodeKey: string
  port: number
  protocolVersion: number
  /** interface names; empty = every up, non-internal interface with an IPv4 address */
  interfaces?: string[]
  /** how often to look for interfaces that appeared (Ethernet plugged in) or went away */
  rescanMs?: number
  /** longest gap between re-queries; they start at 1 s and double (RFC 6762 §5.2), since answers get lost */
  queryMs?: number
  bonjourFactory?: (opts: BonjourFactoryOptions, onError: (err: Error) => void) => BonjourLike
  networkInterfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>
}

interface Iface { name: string, address: string, netmask: string }
interface Instance { id: string, iface: Iface, bonjour: BonjourLike, browser: BrowserLike, warned: boolean }
interface Known extends PeerRecord { fqdn: string, via: string }

/** Reads our TXT entries from the raw wire form; anything malformed gives null. First entry of a key wins (RFC 6763 §6.4). */
export function parsePeerTxt (raw: unknown): { key: string, version: number } | null {
  if (!Array.isArray(raw)) return null
  const seen = new Map<string, string>()
  for (const entry of raw) {
    if (!Buffer.isBuffer(entry) && typeof entry !== 'string') return null
    const text = entry.toString('latin1')
    const eq = text.indexOf('=')
    if (eq <= 0) continue
    const k = text.slice(0, eq).toLowerCase()
    if (!seen.has(k)) seen.set(k, text.slice(eq + 1))
  }
  const key = seen.get('k')
  const v = seen.get('v')
  if (key === undefined || !Z32_KEY.test(key)) return null
  if (v === undefined || !/^[0-9]{1,6}$/.test(v)) return null
  return { key, version: Number(v) }
}

/** DNS labels are at most 63 bytes, and bonjour-service turns dots into dashes anyway. */
export function instanceName (name: string, nodeKey: string): string {
  const suffix = ` (${nodeKey.slice(0, 8)})`
  let out = ''
  for (const ch of name.replace(/[.\x00-\x1f\x7f]/g, '-')) {
    if (Buffer.byteLength(out + ch + suffix) > 63) break
    out += ch
  }
  return (out.trim() || 'p2p-portal') + suffix
}

function displayName (instance: string, key: string): string {
  const suffix = ` (${key.slice(0, 8)})`
  return instance.endsWith(suffix) ? instance.slice(0, -suffix.length) : instance
}

function toInt (ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  if (!m) return null
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return null
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0
}

function sameSubnet (a: string, iface: Iface): boolean {
  const x = toInt(a)
  const y = toInt(iface.address)
  const mask = toInt(iface.netmask)
  return x !== null && y !== null && mask !== null && ((x & mask) >>> 0) === ((y & mask) >>> 0)
}

/**
 * Every instance's socket is bound to 0.0.0.0 and so hears packets from all interfaces, and a record lists all
 * of the publisher's addresses (docker bridges included): keep only one on this interface's subnet, preferring
 * the address the packet came from.
 */
export function pickAddress (service: SeenService, iface: Iface): string | null {
  const addresses = Array.isArray(service.addresses) ? service.addresses : []
  const from = service.referer?.address
  const onLink = addresses.filter((a) => typeof a === 'string' && sameSubnet(a, iface))
  if (from && onLink.includes(from)) return from
  if (onLink.length > 0) return onLink[0]
  if (from && sameSubnet(from, iface)) return from
  return null
}

export class MdnsDiscovery extends Resource {
  readonly name: string
  readonly nodeKey: string
  readonly port: number
  readonly protocolVersion: number
  private readonly interfaceNames: string[]
  private readonly rescanMs: number
  private readonly queryMs: number
  private readonly factory: NonNullable<MdnsDiscoveryOptions['bonjourFactory']>
  private readonly networkInterfaces: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>
  private readonly instances = new Map<string, Instance>()
  private readonly peers = new Map<string, Known>()
  private rescanTimer: NodeJS.Timeout | null = null
  private queryTimer: NodeJS.Timeout | null = null
  private queryDelay = 1000
  private warnedFull = false

  constructor (opts: MdnsDiscoveryOptions) {
    super()
    if (!Z32_KEY.test(opts.nodeKey)) throw BAD_KEY('mDNS needs the node public key as 52 z-base-32 characters.')
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      throw CONFIG_INVALID(`port: the replication port must be between 1 and 65535, got ${opts.port}.`)
    }
    this.name = opts.name
    this.nodeKey = opts.nodeKey
    this.port = opts.port
    this.protocolVersion = opts.protocolVersion
    this.interfaceNames = opts.interfaces ?? []
    this.rescanMs = opts.rescanMs ?? 10_000
    this.queryMs = opts.queryMs ?? 10_000
    // bonjour-service passes these straight to multicast-dns, though its types only list service fields.
    this.factory = opts.bonjourFactory ?? ((o, onError) => new Bonjour(o as Partial<Bonjour.ServiceConfig>, onError))
    this.networkInterfaces = opts.networkInterfaces ?? os.networkInterfaces
  }

  /** Peers currently known, by key. */
  get peerList (): PeerRecord[] {
    return [...this.peers.values()].map(({ key, host, port, version, name }) => ({ key, host, port, version, name }))
  }

  protected override async _open (): Promise<void> {
    this.rescan()
    if (this.instances.size === 0) log.warn('no IPv4 network interface yet: will advertise when one comes up')
    // Left ref'd: with no interface yet there is no socket, and this timer is what keeps us waiting for one.
    this.rescanTimer = setInterval(() => this.rescan(), this.rescanMs)
    this.scheduleQuery()
  }

  protected override async _close (): Promise<void> {
    if (this.rescanTimer) clearInterval(this.rescanTimer)
    if (this.queryTimer) clearTimeout(this.queryTimer)
    this.rescanTimer = this.queryTimer = null
    await Promise.all([...this.instances.values()].map((inst) => this.stopInstance(inst)))
    this.instances.clear()
    this.peers.clear()
  }

  private lanInterfaces (): Iface[] {
    const out: Iface[] = []
    for (const [name, addrs] of Object.entries(this.networkInterfaces())) {
      if (this.interfaceNames.length > 0 && !this.interfaceNames.includes(name)) continue
      for (const a of addrs ?? []) {
        if (a.family === 'IPv4' && !a.internal) out.push({ name, address: a.address, netmask: a.netmask })
      }
    }
    return out
  }

  private rescan (): void {
    if (this.isClosing) return
    const current = new Map(this.lanInterfaces().map((i) => [`${i.name}/${i.address}`, i]))
    for (const [id, inst] of this.instances) {
      if (current.has(id)) continue
      log.info(`${inst.iface.name} (${inst.iface.address}) went away`)
      this.dropInstance(inst)
    }
    for (const [id, iface] of current) {
      if (!this.instances.has(id)) this.startInstance(id, iface)
    }
  }

  private startInstance (id: string, iface: Iface): void {
    const onError = (err: Error) => this.onSocketError(id, err)
    // Bound to 0.0.0.0 but sending from this address: with no default route, a socket left to pick its own
    // multicast interface fails every send, silently.
    const bonjour = this.factory({ interface: iface.address, bind: '0.0.0.0' }, onError)
    // bonjour-service never listens for its socket's 'error' (EADDRINUSE, EACCES): unheard, it would throw.
    const mdns = (bonjour as unknown as { server?: { mdns?: EventEmitter } }).server?.mdns
    mdns?.on('error', onError)
    mdns?.on('warning', (err: Error) => log.debug(`${iface.name}: ${err.message}`))

    bonjour.publish({
      name: instanceName(this.name, this.nodeKey),
      type: SERVICE_TYPE,
      port: this.port,
      // Our own host name, so the machine's avahi-daemon keeps its own and neither renames itself over a conflict.
      host: `p2p-${this.nodeKey.slice(0, 8)}.local`,
      txt: { k: this.nodeKey, v: String(this.protocolVersion) },
      // The key suffix makes the instance name unique, so skip the 750 ms of probing before the first announce.
      probe: false,
      disableIPv6: true
    })
    const inst: Instance = { id, iface, bonjour, browser: this.browse(bonjour, id), warned: false }
    this.instances.set(id, inst)
    log.info(`advertising on ${iface.name} (${iface.address}), port ${this.port}`)
  }

  private browse (bonjour: BonjourLike, id: string): BrowserLike {
    const browser = bonjour.find({ type: SERVICE_TYPE })
    const seen = (s: SeenService) => this.onSeen(id, s)
    browser.on('up', seen)
    browser.on('srv-update', seen)
    browser.on('txt-update', seen)
    browser.on('down', (s: SeenService) => this.onDown(id, s))
    return browser
  }

  private onSocketError (id: string, err: Error): void {
    const inst = this.instances.get(id)
    if (!inst) return
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      // The socket is dead: drop it, and the next rescan tries again.
      log.warn(`${inst.iface.name}: cannot listen on 5353 (${code}), retrying in ${this.rescanMs / 1000} s`)
      this.dropInstance(inst)
      return
    }
    if (!inst.warned) log.warn(`${inst.iface.name}: ${err.message}`)
    inst.warned = true
  }

  private dropInstance (inst: Instance): void {
    this.instances.delete(inst.id)
    // A peer also heard on another interface (Wi-Fi and Ethernet on one LAN) moves there rather than going:
    // that browser has it cached and would not announce it again.
    for (const other of this.instances.values()) {
      for (const s of other.browser.services) this.onSeen(other.id, s as SeenService)
    }
    for (const peer of [...this.peers.values()]) {
      if (peer.via === inst.id) this.forget(peer)
    }
    this.stopInstance(inst).catch((err) => log.debug(`stopping ${inst.iface.name}: ${err.message}`))
  }

  private async stopInstance (inst: Instance): Promise<void> {
    inst.browser.stop()
    // Goodbye (TTL 0) so peers drop us at once; bounded, since a send on a vanished interface may never call back.
    await within(CLOSE_STEP_MS, (done) => inst.bonjour.unpublishAll(done))
    await within(CLOSE_STEP_MS, (done) => inst.bonjour.destroy(done))
  }

  private scheduleQuery (): void {
    this.queryTimer = setTimeout(() => {
      for (const inst of this.instances.values()) {
        if (inst.browser.services.length > MAX_CACHED_SERVICES) {
          log.warn(`${inst.iface.name}: over ${MAX_CACHED_SERVICES} services announced on the LAN, clearing the cache`)
          inst.browser.stop()
          inst.browser = this.browse(inst.bonjour, inst.id)
        } else {
          inst.browser.update()
        }
      }
      this.queryDelay = Math.min(this.queryDelay * 2, this.queryMs)
      this.scheduleQuery()
    }, this.queryDelay)
    this.queryTimer.unref()
  }

  private onSeen (via: string, s: SeenService): void {
    const inst = this.instances.get(via)
    if (!inst || this.isClosing) return
    const txt = parsePeerTxt(s.rawTxt)
    if (!txt || txt.key === this.nodeKey) return
    const port = s.port
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return
    const host = pickAddress(s, inst.iface)
    if (!host) return

    const prev = this.peers.get(txt.key)
    // Seen on two interfaces (Wi-Fi and Ethernet on one LAN): keep the first while it still works.
    if (prev && prev.via !== via && this.instances.has(prev.via)) return
    if (!prev && this.peers.size >= MAX_PEERS) {
      if (!this.warnedFull) log.warn(`more than ${MAX_PEERS} nodes announced on the LAN: ignoring the rest`)
      this.warnedFull = true
      return
    }
    const name = displayName(typeof s.name === 'string' ? s.name : '', txt.key)
    const peer: Known = { key: txt.key, host, port, version: txt.version, name, fqdn: String(s.fqdn ?? ''), via }
    this.peers.set(txt.key, peer)
    if (prev && prev.host === host && prev.port === port && prev.version === txt.version) return
    log.info(`${prev ? 'peer moved' : 'found peer'} ${txt.key.slice(0, 8)} at ${host}:${port}`)
    this.emit('peer', { key: peer.key, host, port, version: peer.version, name } satisfies PeerRecord)
  }

  private onDown (via: string, s: SeenService): void {
    const fqdn = String(s.fqdn ?? '').toLowerCase()
    for (const peer of this.peers.values()) {
      // Only the record that announced this key may take it away: a goodbye for another name is not for us.
      if (peer.via === via && peer.fqdn.toLowerCase() === fqdn) this.forget(peer)
    }
  }

  private forget (peer: Known): void {
    this.peers.delete(peer.key)
    log.info(`peer ${peer.key.slice(0, 8)} left`)
    this.emit('peer-gone', peer.key)
  }
}

function within (ms: number, fn: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    const done = () => { clearTimeout(timer); resolve() }
    try { fn(done) } catch { done() }
  })
}
