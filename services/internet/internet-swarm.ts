// The Internet path: when there is one, each held drive's topic is joined on the HyperDHT, so the same drives
// are reached beyond the LAN. Connections are handed to the peer manager like LAN ones. With no Internet the
// DHT simply finds no one; nothing waits on it.
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import type { PeerManager } from '../replication/peer-manager.js'
import type { Library } from '../storage/library.js'
import type { LibraryDrive } from '../storage/library-drive.js'
import type { HostPort } from '../config/config.js'
import { logger } from '../log.js'
import { Resource } from '../lifecycle/resource.js'

const log = logger('internet')

export interface InternetSwarmOptions {
  library: Library
  peers: PeerManager
  keyPair: { publicKey: Buffer, secretKey: Buffer }
  bootstrap: HostPort[]
  swarm?: Hyperswarm
}

export class InternetSwarm extends Resource {
  private swarm: Hyperswarm | null = null
  private readonly joined = new Map<string, { destroy (): Promise<void> }>()
  private readonly onAdded = (d: LibraryDrive) => this.join(d)
  private readonly onRemoved = (d: LibraryDrive) => this.leave(d)

  constructor (private readonly opts: InternetSwarmOptions) { super() }

  protected override async _open (): Promise<void> {
    const { bootstrap, keyPair, library, peers } = this.opts
    const nodes = bootstrap.map(b => `${b.host}:${b.port}`)
    // A DHT named with --bootstrap is a private one on a network where nodes reach each other directly; its
    // nodes never learn that from NAT checks against a handful of peers, so they are told (measured: with the
    // default they never connect).
    const dht = nodes.length ? new HyperDHT({ bootstrap: nodes, keyPair, firewalled: false }) : undefined
    this.swarm = this.opts.swarm ?? new Hyperswarm({ keyPair, dht })
    this.swarm.on('connection', (conn: any, info: any) => peers.adopt(conn, info.client))
    this.swarm.dht?.on?.('error', (err: Error) => log.debug(`dht: ${err.message}`))
    for (const d of library.list()) this.join(d)
    library.on('drive-added', this.onAdded)
    library.on('drive-removed', this.onRemoved)
  }

  protected override async _close (): Promise<void> {
    this.opts.library.off('drive-added', this.onAdded)
    this.opts.library.off('drive-removed', this.onRemoved)
    const swarm = this.swarm
    this.swarm = null
    // The DHT may be unreachable: never let its goodbyes hold up shutdown.
    if (swarm) await Promise.race([swarm.destroy(), new Promise(r => setTimeout(r, 1500))]).catch((err: Error) => log.debug(`closing the swarm: ${err.message}`))
  }

  private join (d: LibraryDrive): void {
    if (!this.swarm || this.joined.has(d.id)) return
    const discovery = this.swarm.join(d.discoveryKey, { server: true, client: true })
    this.joined.set(d.id, discovery)
    discovery.flushed().catch((err: Error) => log.debug(`announcing ${d.id}: ${err.message}`))
  }

  private leave (d: LibraryDrive): void {
    const discovery = this.joined.get(d.id)
    this.joined.delete(d.id)
    if (discovery) discovery.destroy().catch((err: Error) => log.debug(`leaving ${d.id}: ${err.message}`))
  }
}
