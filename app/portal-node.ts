// The composition root: opens every part in order and closes them in reverse.
import type { Config, SystemdEnv } from '../services/config/config.js'
import { Library } from '../services/storage/library.js'
import type { LibraryDrive } from '../services/storage/library-drive.js'
import { PeerManager } from '../services/replication/peer-manager.js'
import { PROTOCOL_VERSION } from '../services/replication/catalogue-channel.js'
import { MirrorManager } from '../services/mirror/mirror-manager.js'
import { FolderPublisher } from '../services/publish/folder-publisher.js'
import { DriveWriter } from '../services/publish/drive-writer.js'
import { HttpServer, type Listener } from '../web/server/http-server.js'
import { createHandler, type AppParts } from '../web/server/create-app.js'
import { MdnsDiscovery } from '../services/discovery/mdns-discovery.js'
import { InternetSwarm } from '../services/internet/internet-swarm.js'
import { SystemdNotifier } from '../services/systemd/systemd-notifier.js'
import type { NodeContext } from '../services/node/node-context.js'
import { applyAdminSettings } from '../services/config/admin-settings.js'
import { statusLine } from '../services/node/node-status.js'
import { logger, setLogLevel } from '../services/log.js'
import { APP_VERSION } from './app-version.js'

const log = logger('node')
const STATUS_EVERY_MS = 5_000
const PROBE_TIMEOUT_MS = 60_000
const MAX_PROBING = 16

export { APP_VERSION }

interface Part { name: string, close (): Promise<void> }

export interface PortalNodeOptions {
  config: Config
  systemd?: SystemdEnv
  /** Extra HTTP routers (the visitor pages and the admin page plug in here). */
  http?: (ctx: NodeContext) => AppParts
  /** The untrusted-content listener's handler (drive websites); without it that port is not opened. */
  content?: (ctx: NodeContext) => import('node:http').RequestListener
}

export class PortalNode {
  readonly config: Config
  library!: Library
  peers!: PeerManager
  mirror!: MirrorManager
  http!: HttpServer
  context!: NodeContext
  private readonly opened: Part[] = []
  private notifier: SystemdNotifier
  private statusTimer: NodeJS.Timeout | null = null
  private closing: Promise<void> | null = null

  constructor (private readonly opts: PortalNodeOptions) {
    this.config = opts.config
    this.notifier = new SystemdNotifier({ env: opts.systemd ?? {} })
  }

  private add<T extends Part> (part: T): T { this.opened.push(part); return part }

  async open (): Promise<void> {
    const { config } = this
    setLogLevel(config.logLevel)
    const startedAt = Date.now()
    await this.notifier.open()
    this.add({ name: 'systemd', close: () => this.notifier.close() })

    // Storage first: everything else serves or fills it.
    this.library = new Library({ dataDir: config.data })
    await this.library.open()
    this.add({ name: 'library', close: () => this.library.close() })
    const keyPair = this.library.keyPair!
    // Caps the organiser set on the admin page survive restarts; they must hold before the mirror reviews.
    await applyAdminSettings(config)

    this.peers = new PeerManager({ store: this.library.store, keyPair, port: config.replicationPort, catalogue: () => this.mirror.catalogue() })
    this.mirror = new MirrorManager({
      library: this.library,
      peers: this.peers,
      settings: { mirror: config.mirror, maxDriveBytes: config.maxDriveBytes, maxTotalBytes: config.maxTotalBytes, deny: config.deny, follow: config.follow, probeTimeoutMs: PROBE_TIMEOUT_MS, maxProbing: MAX_PROBING }
    })
    await this.peers.open()
    this.add({ name: 'peers', close: () => this.peers.close() })
    await this.mirror.open()
    this.add({ name: 'mirror', close: () => this.mirror.close() })

    // A drive whose figures change (published, or its metadata arrived) is announced to every peer.
    const watch = (d: LibraryDrive) => d.on('counted', () => { this.peers.announce(); this.mirror.schedule() })
    this.library.list().forEach(watch)
    this.library.on('drive-added', watch)

    const writer = new DriveWriter(this.library, config.data)
    for (const folder of config.share) {
      const publisher = new FolderPublisher({ library: this.library, folder, writer, title: config.shareTitles[folder] })
      await publisher.open()
      this.add({ name: `publish ${folder}`, close: () => publisher.close() })
    }

    this.context = { config, library: this.library, peers: this.peers, mirror: this.mirror, startedAt, appVersion: APP_VERSION }
    const listeners: Listener[] = [{ name: 'portal', port: config.port, ...createHandler(this.context, this.opts.http?.(this.context)) }]
    if (this.opts.content) listeners.push({ name: 'drive content', port: config.contentPort, handler: this.opts.content(this.context) as any })
    this.http = new HttpServer(config.host, listeners)
    await this.http.open()
    this.add({ name: 'http', close: () => this.http.close() })

    // Advertise only once peers can connect and phones can load pages.
    const discovery = new MdnsDiscovery({ name: config.name, nodeKey: this.library.nodeKey, port: this.peers.port, protocolVersion: PROTOCOL_VERSION, interfaces: config.mdnsInterfaces })
    discovery.on('peer', (p: { key: string, host: string, port: number, name?: string }) => this.peers.discovered(p))
    discovery.on('peer-gone', (key: string) => this.peers.forget(key))
    await discovery.open()
    this.add({ name: 'mdns', close: () => discovery.close() })

    if (config.internet) {
      const internet = new InternetSwarm({ library: this.library, peers: this.peers, keyPair, bootstrap: config.bootstrap })
      // Joining the DHT waits on the network; start-up does not.
      await internet.open()
      this.add({ name: 'internet', close: () => internet.close() })
    }

    log.info(`node ${this.library.nodeKey} "${config.name}" ready in ${Date.now() - startedAt} ms: ${this.library.list().length} drives, data in ${config.data}`)
    await this.notifier.ready()
    this.notifier.status(statusLine(this.context))
    this.statusTimer = setInterval(() => this.notifier.status(statusLine(this.context)), STATUS_EVERY_MS)
    this.statusTimer.unref()
  }

  close (): Promise<void> {
    if (!this.closing) this.closing = this.closeParts()
    return this.closing
  }

  private async closeParts (): Promise<void> {
    if (this.statusTimer) clearInterval(this.statusTimer)
    await this.notifier.stopping()
    for (const part of this.opened.reverse()) {
      try {
        await part.close()
      } catch (err) {
        log.error(`closing ${part.name}: ${(err as Error).message}`)
      }
    }
  }
}
