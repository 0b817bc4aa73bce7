// Direct connections to the nodes found on the LAN: plain TCP wrapped in a Noise secret stream with the node's
// stable key pair, one connection per pair of nodes, reconnect with backoff. Also adopts the already-encrypted
// connections that hyperswarm makes over the Internet, so every peer goes through the same checks.
import net from 'node:net'
import { NoiseSecretStream } from '../holepunch-modules.js'
import type Corestore from 'corestore'
import { Resource } from '../lifecycle/resource.js'
import { CatalogueChannel } from './catalogue-channel.js'
import { PeerAdmission, type Seat } from './peer-admission.js'
import { encodeCatalogue, type Catalogue } from './catalogue.js'
import { keyText } from '../storage/drive-key.js'
import { logger } from '../log.js'
import { ReusedReadStream, adoptReused, dialReused } from './reused-reads.js'

const log = logger('peers')

// A peer that lost power sends no FIN: without traffic for this long, the connection is declared dead.
const DEAD_PEER_MS = 15_000
const KEEP_ALIVE_MS = 5_000
const HANDSHAKE_MS = 10_000
const MAX_PENDING = 16
// A peer that neither mDNS nor we vouch for must say what it holds this soon, or make room.
const CATALOGUE_WAIT_MS = 10_000
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000]
// The node with the lower key dials; the other dials too if nothing arrives by then (one-way mDNS loss).
const FALLBACK_DIAL_MS = 3000
// Room for a few 512 KiB blocks in the socket, so that coalesced writes (below) do not stall the Noise stream.
const SOCKET_HIGH_WATER_MARK = 4 * 1024 * 1024

export interface PeerAddress { key: string, host: string, port: number, name?: string }

export interface Peer {
  key: string
  name: string
  address: string
  via: 'lan' | 'internet'
  since: number
  catalogue: Catalogue
}

interface Connection {
  peer: Peer
  stream: any
  channel: CatalogueChannel
  initiator: boolean
  dialerKey: string
  /** Seen over mDNS, dialled by us, or met before with drives to offer: keeps its slot under a flood. */
  vouched: boolean
}

export interface PeerManagerOptions {
  store: Corestore
  keyPair: { publicKey: Buffer, secretKey: Buffer }
  port: number
  host?: string
  /** What to tell each peer: called whenever a peer opens and when `announce()` is called. */
  catalogue: () => Catalogue
  admission?: PeerAdmission
}

export class PeerManager extends Resource {
  readonly localKey: string
  private server: net.Server | null = null
  private readonly connections = new Map<string, Connection>()
  private readonly known = new Map<string, PeerAddress>()
  private readonly dialing = new Set<string>()
  private readonly retries = new Map<string, { attempt: number, timer: NodeJS.Timeout | null }>()
  private pending = 0
  private readonly admission: PeerAdmission
  /** Peers that once offered drives: they keep a vouched slot when they come back (a restart, a new address). */
  private readonly met = new Set<string>()
  private announceTimer: NodeJS.Timeout | null = null
  /** The catalogue as last sent to every peer, to tell whether it changed since. */
  private announced: Buffer | null = null

  constructor (private readonly opts: PeerManagerOptions) {
    super()
    this.localKey = keyText(opts.keyPair.publicKey)
    this.admission = opts.admission ?? new PeerAdmission()
  }

  get port (): number { return (this.server?.address() as net.AddressInfo | null)?.port ?? 0 }

  peers (): Peer[] { return [...this.connections.values()].map(c => c.peer) }

  protected override async _open (): Promise<void> {
    this.server = net.createServer({ highWaterMark: SOCKET_HIGH_WATER_MARK, pauseOnConnect: true }, (socket) => this.onInbound(socket))
    this.server.on('error', (err) => log.error(`replication listener: ${err.message}`))
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => { this.server!.off('error', reject); resolve() })
    })
  }

  protected override async _close (): Promise<void> {
    if (this.announceTimer) clearTimeout(this.announceTimer)
    for (const r of this.retries.values()) if (r.timer) clearTimeout(r.timer)
    this.retries.clear()
    const closing = [...this.connections.values()].map(c => new Promise<void>((resolve) => {
      c.stream.once('close', () => resolve())
      c.stream.destroy()
    }))
    await Promise.race([Promise.all(closing), new Promise(r => setTimeout(r, 1000))])
    await new Promise<void>((resolve) => this.server ? this.server.close(() => resolve()) : resolve())
  }

  /** A node seen on the LAN (mDNS). Dials it when this side is the dialer or the other side stays silent. */
  discovered (addr: PeerAddress): void {
    if (this.isClosing || addr.key === this.localKey) return
    const prev = this.known.get(addr.key)
    this.known.set(addr.key, addr)
    if (this.connections.has(addr.key)) return
    if (prev && prev.host === addr.host && prev.port === addr.port && this.retries.has(addr.key)) return
    this.retries.delete(addr.key)
    if (this.localKey < addr.key) this.dial(addr.key)
    else this.scheduleDial(addr.key, FALLBACK_DIAL_MS)
  }

  /** The mDNS record went away: stop redialling. Liveness comes from the connection, not from mDNS. */
  forget (key: string): void {
    this.known.delete(key)
    const r = this.retries.get(key)
    if (r?.timer) clearTimeout(r.timer)
    this.retries.delete(key)
  }

  /** Sends the current catalogue to every peer (debounced: a publish may change many drives at once). */
  announce (): void {
    if (this.announceTimer || this.isClosing) return
    this.announceTimer = setTimeout(() => {
      this.announceTimer = null
      const buf = encodeCatalogue(this.opts.catalogue())
      this.announced = buf
      for (const c of this.connections.values()) c.channel.sendEncoded(buf)
    }, 100)
  }

  /** Announces the catalogue if it changed since it was last sent (figures that drift, not events). */
  refresh (): void {
    if (this.announced === null || !encodeCatalogue(this.opts.catalogue()).equals(this.announced)) this.announce()
  }

  /** Adopts a connection that is already a Noise stream (hyperswarm over the Internet). */
  adopt (stream: any, initiator: boolean): void {
    stream.on('error', () => { /* the stream closes after an error: 'close' cleans up */ })
    const remote = stream.remotePublicKey ? keyText(stream.remotePublicKey) : null
    if (!remote) { stream.destroy(); return }
    this.onOpen(stream, remote, initiator, 'internet', stream.rawStream?.remoteHost ?? 'dht')
  }

  private scheduleDial (key: string, delay: number): void {
    const r = this.retries.get(key) ?? { attempt: 0, timer: null }
    if (r.timer) clearTimeout(r.timer)
    r.timer = setTimeout(() => { r.timer = null; this.dial(key) }, delay)
    r.timer.unref()
    this.retries.set(key, r)
  }

  private retryLater (key: string): void {
    if (this.isClosing || !this.known.has(key) || this.connections.has(key)) return
    const r = this.retries.get(key) ?? { attempt: 0, timer: null }
    const base = BACKOFF_MS[Math.min(r.attempt, BACKOFF_MS.length - 1)]
    r.attempt++
    this.retries.set(key, r)
    this.scheduleDial(key, base + Math.floor(Math.random() * base / 2))
  }

  private dial (key: string): void {
    const addr = this.known.get(key)
    if (!addr || this.isClosing || this.connections.has(key) || this.dialing.has(key)) return
    if (this.connections.size >= this.admission.limits.maxPeers && ![...this.connections.values()].some(c => !c.vouched)) return
    this.dialing.add(key)
    const reads = dialReused({ host: addr.host, port: addr.port, highWaterMark: SOCKET_HIGH_WATER_MARK })
    const socket = reads.socket
    socket.setNoDelay(true)
    coalesceWrites(socket)
    const done = () => this.dialing.delete(key)
    socket.once('error', (err) => { done(); log.debug(`dial ${addr.name ?? key.slice(0, 8)} at ${addr.host}:${addr.port}: ${err.message}`); this.retryLater(key) })
    socket.once('connect', () => {
      this.handshake(socket, true, key, reads).then((ok) => { done(); if (!ok) this.retryLater(key) }, () => { done(); this.retryLater(key) })
    })
  }

  private onInbound (accepted: net.Socket): void {
    accepted.on('error', () => { /* the socket closes after an error; the handshake sees it */ })
    const address = accepted.remoteAddress ?? ''
    if (this.isClosing || this.pending >= MAX_PENDING || !this.admission.handshakeStarts(address)) { accepted.destroy(); return }
    // The server pauses each socket it accepts so that none has read anything before it is adopted.
    const reads = adoptReused(accepted, SOCKET_HIGH_WATER_MARK)
    const socket = reads?.socket ?? accepted.resume()
    socket.on('error', () => { /* as above */ })
    socket.setNoDelay(true)
    coalesceWrites(socket)
    this.handshake(socket, false, null, reads ?? undefined)
      .catch((err: Error) => log.debug(`inbound handshake: ${err.message}`))
      .finally(() => this.admission.handshakeDone(address))
  }

  /** Resolves true when the Noise handshake completed with the expected key and the peer was taken on. */
  private async handshake (socket: net.Socket, initiator: boolean, expected: string | null, reads?: ReturnType<typeof dialReused>): Promise<boolean> {
    this.pending++
    // Read now: once the socket has closed, Node no longer knows where it came from.
    const where = `${socket.remoteAddress ?? 'an unknown address'}:${socket.remotePort ?? '?'}`
    let stream: NoiseSecretStream
    if (reads) {
      const own = new ReusedReadStream(initiator, socket, reads.area, { keyPair: this.opts.keyPair })
      reads.attach(own)
      stream = own
    } else {
      stream = new NoiseSecretStream(initiator, socket, { keyPair: this.opts.keyPair })
    }
    stream.on('error', () => { /* the stream closes after an error: 'close' cleans up */ })
    const timer = setTimeout(() => stream.destroy(), HANDSHAKE_MS)
    let opened = false
    try {
      opened = await stream.opened
    } catch {
      opened = false
    } finally {
      clearTimeout(timer)
      this.pending--
    }
    if (!opened || !stream.remotePublicKey) {
      log.warn(`handshake with ${where} failed: not a p2p-portal node, or it closed the connection`)
      stream.destroy()
      return false
    }
    const remote = keyText(stream.remotePublicKey)
    if (expected && remote !== expected) {
      // The mDNS record named a different key: someone else answered at that address.
      log.warn(`${where} presented key ${remote.slice(0, 8)}, but mDNS announced ${expected.slice(0, 8)}: dropped`)
      stream.destroy()
      return false
    }
    if (remote === this.localKey) { stream.destroy(); return false }
    return this.onOpen(stream, remote, initiator, 'lan', socket.remoteAddress ?? '')
  }

  private onOpen (stream: any, remote: string, initiator: boolean, via: Peer['via'], address: string): boolean {
    if (this.isClosing) { stream.destroy(); return false }
    const vouched = initiator || this.known.has(remote) || this.met.has(remote)
    const seats: Seat[] = [...this.connections.values()].filter(c => c.peer.key !== remote)
      .map(c => ({ key: c.peer.key, address: c.peer.address, vouched: c.vouched || this.known.has(c.peer.key) || this.met.has(c.peer.key), since: c.peer.since, hasDrives: c.peer.catalogue.drives.length > 0 }))
    const verdict = this.admission.admit({ key: remote, address, vouched }, seats)
    if (!verdict.admit) {
      log.debug(`refused ${remote.slice(0, 8)} from ${address}: ${verdict.why}`)
      stream.destroy()
      return false
    }
    if (verdict.evict) {
      log.info(`dropping unannounced peer ${verdict.evict.slice(0, 8)} to make room for ${this.known.get(remote)?.name || remote.slice(0, 8)}`)
      this.connections.get(verdict.evict)?.stream.destroy()
    }
    const dialerKey = initiator ? this.localKey : remote
    const existing = this.connections.get(remote)
    if (existing) {
      // Both sides dialled at once: keep the connection the lower key dialled, on both ends alike.
      const preferred = remote < this.localKey ? remote : this.localKey
      if (existing.dialerKey === preferred || dialerKey !== preferred) { stream.destroy(); return false }
      existing.stream.destroy()
      this.connections.delete(remote)
    }
    stream.setKeepAlive?.(KEEP_ALIVE_MS)
    stream.setTimeout?.(DEAD_PEER_MS)
    stream.on('timeout', () => stream.destroy())
    this.opts.store.replicate(stream)
    const peer: Peer = { key: remote, name: this.known.get(remote)?.name ?? '', address, via, since: Date.now(), catalogue: { drives: [], refuses: [] } }
    let badMessages = 0
    let spoke = false
    // A peer nobody vouches for that says nothing is a slot taken for nothing, unless it replicates a drive with
    // us: a stock Hyperdrive app speaks plain Hypercore and never sends a catalogue.
    const quiet = vouched ? null : setTimeout(() => { if (!spoke && !sharesCores(stream)) { log.debug(`${remote.slice(0, 8)} from ${address} sent no catalogue: dropped`); stream.destroy() } }, CATALOGUE_WAIT_MS)
    quiet?.unref()
    const channel = new CatalogueChannel(stream, {
      onCatalogue: (cat) => {
        spoke = true
        if (cat.drives.length > 0) this.met.add(remote)
        peer.catalogue = cat
        this.emit('catalogue', peer)
      },
      onBadMessage: () => {
        // A peer that keeps sending broken catalogues is hostile or broken: drop it rather than parse forever.
        if (++badMessages > 3) { log.warn(`${remote.slice(0, 8)} sent malformed catalogues: disconnected`); stream.destroy() }
      },
      onOpen: () => channel.send(this.opts.catalogue()),
      onClose: () => { /* the stream's 'close' below cleans up */ }
    })
    const conn: Connection = { peer, stream, channel, initiator, dialerKey, vouched }
    this.connections.set(remote, conn)
    const r = this.retries.get(remote)
    if (r?.timer) clearTimeout(r.timer)
    this.retries.delete(remote)
    stream.once('close', () => {
      if (quiet) clearTimeout(quiet)
      if (this.connections.get(remote) !== conn) return
      this.connections.delete(remote)
      log.info(`peer ${peer.name || remote.slice(0, 8)} disconnected`)
      this.emit('peer-close', peer)
      if (this.known.has(remote) && (this.localKey < remote)) this.retryLater(remote)
      else if (this.known.has(remote)) this.scheduleDial(remote, FALLBACK_DIAL_MS * 2)
    })
    channel.open()
    log.info(`peer ${peer.name || remote.slice(0, 8)} connected (${via}, ${address}${initiator ? ', dialled' : ''})`)
    this.emit('peer-open', peer)
    return true
  }
}

/** Whether the peer opened, on its side too, a Hypercore channel on this stream: it replicates a core we hold. */
function sharesCores (stream: any): boolean {
  const mux = stream.userData
  if (!mux || typeof mux[Symbol.iterator] !== 'function') return false
  for (const channel of mux as Iterable<{ protocol: string, opened: boolean }>) if (channel.protocol === 'hypercore/alpha' && channel.opened) return true
  return false
}

/**
 * Hypercore sends one Noise frame per request and per block: syncing 5,000 small files is ~20,000 frames, and
 * a write(2) for each cost the mirror more CPU than verifying them. Frames written in the same turn of the
 * event loop leave in one writev(2) instead.
 */
function coalesceWrites (socket: net.Socket): void {
  const write = socket.write
  let corked = false
  const flush = () => { corked = false; socket.uncork() }
  socket.write = function (this: net.Socket, ...args: unknown[]) {
    if (!corked) { corked = true; socket.cork(); setImmediate(flush) }
    return (write as (...a: unknown[]) => boolean).apply(this, args)
  } as typeof socket.write
}
