// The composition root: the one place that knows every part. It opens them in order, wires them together
// (every event that crosses from one part to another is connected here), and closes them in reverse.
import type { RequestListener } from 'node:http'
import type { Readable } from 'node:stream'
import type { Config, SystemdEnv } from '../services/config/config.js'
import { NodeSettings } from '../services/config/node-settings.js'
import { Library } from '../services/storage/library.js'
import { diskFigures, diskReserve } from '../services/storage/disk-space.js'
import type { LibraryDrive } from '../services/storage/library-drive.js'
import { PeerManager, type Peer } from '../services/replication/peer-manager.js'
import { PROTOCOL_VERSION } from '../services/replication/catalogue-channel.js'
import { libraryCatalogue } from '../services/replication/library-catalogue.js'
import { MirrorManager } from '../services/mirror/mirror-manager.js'
import { BrowseCache, defaultBrowseCacheBytes } from '../services/storage/browse-cache.js'
import { FolderPublisher } from '../services/publish/folder-publisher.js'
import { MdnsDiscovery, type PeerRecord } from '../services/discovery/mdns-discovery.js'
import { DriveWriter } from '../services/publish/drive-writer.js'
import { SystemdNotifier } from '../services/systemd/systemd-notifier.js'
import type { ReleaseWatcher, ReleaseInstallerSeam } from '../services/update/release-watcher.js'
import type { UpdateControl } from '../services/update/update-control.js'
import type { NodeContext } from '../services/node/node-context.js'
import { statusLine } from '../services/node/node-status.js'
import { Resource } from '../services/lifecycle/resource.js'
import { PartList, type Part } from '../services/lifecycle/part-list.js'
import { logger, setLogLevel } from '../services/log.js'
import { HttpServer, type Listener } from '../web/server/http-server.js'
import { createHandler, type AppParts } from '../web/create-app.js'
import { DriveFileRoute } from '../web/drive-files/drive-file-route.js'
import { APP_VERSION } from './app-version.js'

const log = logger('node')
const STATUS_EVERY_MS = 5_000
const PROBE_TIMEOUT_MS = 60_000
const MAX_PROBING = 16
// Disk figures and complete copies drift as blocks arrive, without a drive event: peers place drives by them.
const REFRESH_CATALOGUE_MS = 3_000

export { APP_VERSION }

/** The pages a node serves, built once its context exists; without them it serves only the API and /d/. */
export type WebParts = (ctx: NodeContext, files: DriveFileRoute) => {
  /** Long-lived parts behind the pages (live views, USB jobs, the netd client): opened before listening. */
  parts?: Array<[string, Part]>
  http?: AppParts
  /** The untrusted-content listener's handler (drive websites); without it that port is not opened. */
  content?: RequestListener
}

export interface PortalNodeOptions {
  config: Config
  systemd?: SystemdEnv
  web?: WebParts
  /** The appliance's hand-off of a verified release to the root update helper; without it updates are only reported. */
  installer?: ReleaseInstallerSeam | null
  /** How --share folders' files are read (tests slow it down); the file system by default. */
  readShared?: (file: string) => Readable
}

export class PortalNode extends Resource {
  readonly config: Readonly<Config>
  settings!: NodeSettings
  library!: Library
  peers!: PeerManager
  mirror!: MirrorManager
  browse!: BrowseCache
  updates: ReleaseWatcher | null = null
  /** The hand-off to p2p-portal-updater (`updater-socket`, the appliance); null on a laptop. */
  updater: UpdateControl | null = null
  http!: HttpServer
  context!: NodeContext
  private readonly parts = new PartList()
  private readonly notifier: SystemdNotifier
  /** Joining the public DHT, begun once the node is ready (openInternet). */
  private internet: Promise<void> | null = null

  constructor (private readonly opts: PortalNodeOptions) {
    super()
    this.config = opts.config
    this.notifier = new SystemdNotifier({ env: opts.systemd ?? {} })
  }

  protected override async _open (): Promise<void> {
    const { config, parts } = this
    setLogLevel(config.logLevel)
    const startedAt = Date.now()
    await parts.open('systemd', this.notifier)

    // Storage first: everything else serves or fills it.
    const library = this.library = await parts.open('library', new Library({ dataDir: config.data }))
    const settings = this.settings = await parts.open('settings', new NodeSettings(config))

    // Drives visitors open that only other nodes hold: their blocks stay in a bounded cache, outside the caps.
    const browse = this.browse = await parts.open('browse cache', new BrowseCache({
      library, capBytes: () => config.browseCacheBytes ?? defaultBrowseCacheBytes(settings.maxTotalBytes)
    }))

    const peers = this.peers = new PeerManager({
      store: library.store, keyPair: library.keyPair!, host: config.host, port: config.replicationPort, catalogue: () => libraryCatalogue(library, this.mirror?.figures())
    })
    // The card itself is a cap too: mirrors leave a reserve free on it (see disk-space.ts).
    const disk = await diskFigures(config.data)
    const mirror = this.mirror = new MirrorManager({
      library,
      browsed: browse,
      copies: config.copies,
      holderGraceMs: config.holderGraceSeconds * 1000,
      placement: config.placement,
      settings: { mirror: config.mirror, maxDriveBytes: settings.maxDriveBytes, maxTotalBytes: settings.maxTotalBytes, deny: config.deny, follow: config.follow, probeTimeoutMs: PROBE_TIMEOUT_MS, maxProbing: MAX_PROBING, reserveBytes: disk ? diskReserve(disk.size) : 0 }
    })
    // What peers offer feeds the mirror; what the library holds is announced to peers.
    this.listen(peers, 'peer-open', (peer: Peer) => mirror.peerOpen(peer))
    this.listen(peers, 'catalogue', (peer: Peer) => mirror.peerCatalogue(peer))
    this.listen(peers, 'peer-close', (peer: Peer) => mirror.peerGone(peer))
    this.listen(settings, 'change', () => {
      mirror.updateSettings({ maxDriveBytes: settings.maxDriveBytes, maxTotalBytes: settings.maxTotalBytes })
      peers.announce()
    })
    // A drive whose figures change (published, or its metadata arrived) is announced to every peer.
    const counted = () => { peers.announce(); mirror.schedule() }
    // Blocks arriving fill the card: the mirror re-checks the free space as they do, not only every 10 s.
    const progress = () => mirror.schedule()
    const watch = (d: LibraryDrive) => { d.on('counted', counted); d.on('progress', progress) }
    library.list().forEach(watch)
    this.listen(library, 'drive-added', (d: LibraryDrive) => { watch(d); peers.announce() })
    this.listen(library, 'drive-removed', (d: LibraryDrive) => { d.off('counted', counted); d.off('progress', progress); peers.announce() })
    await parts.open('peers', peers)
    await parts.open('mirror', mirror)
    const refreshTimer = setInterval(() => peers.refresh(), REFRESH_CATALOGUE_MS)
    refreshTimer.unref()
    parts.onClose('catalogue refresh', () => clearInterval(refreshTimer))
    if (config.releaseKey !== null) {
      // Loaded only with a release key: signature checks, bundles and the helper's client are ~20 modules a node
      // that follows no releases never runs, and every module loaded delays READY=1 (bench/README.md, "Start,
      // third pass").
      const [{ ReleaseWatcher }, { openUpdateControl }] = await Promise.all([import('../services/update/release-watcher.js'), import('./update-parts.js')])
      // On the appliance the root helper installs what the watcher verified, when the organiser's policy says.
      this.updater = config.updaterSocket !== null ? await openUpdateControl(parts, config, settings) : null
      // The release drive is followed like any drive (outside the caps); its state is in /api/status from the start.
      this.updates = await parts.open('updates', new ReleaseWatcher({
        library,
        releaseKey: config.releaseKey,
        runningVersion: APP_VERSION,
        installer: this.opts.installer ?? this.updater,
        bundleFolders: config.releaseImport.length > 0 ? async () => config.releaseImport : undefined
      }))
      if (this.updater) this.updater.watcher = this.updates
    }

    // Publishing writes through the same guarded writer as uploads; the first import runs in the background.
    const writer = new DriveWriter(library, config.data)
    for (const folder of config.share) {
      await parts.open(`publish ${folder}`, new FolderPublisher({ library, folder, writer, title: config.shareTitles[folder], read: this.opts.readShared }))
    }

    const ctx = this.context = { config, settings, library, peers, mirror, browse, startedAt, appVersion: APP_VERSION, updates: this.updater ?? this.updates, updater: this.updater }
    const files = await parts.open('drive files', new DriveFileRoute(ctx))
    const web = this.opts.web?.(ctx, files) ?? {}
    for (const [name, part] of web.parts ?? []) await parts.open(name, part)
    const listeners: Listener[] = [{ name: 'portal', port: config.port, ...createHandler(ctx, files, web.http) }]
    if (web.content) listeners.push({ name: 'drive content', port: config.contentPort, handler: web.content })
    this.http = await parts.open('http', new HttpServer(config.host, listeners))

    // Advertise only once peers can connect and phones can load pages.
    const discovery = new MdnsDiscovery({ name: config.name, nodeKey: library.nodeKey, port: peers.port, protocolVersion: PROTOCOL_VERSION, interfaces: config.mdnsInterfaces })
    this.listen(discovery, 'peer', (p: PeerRecord) => peers.discovered(p))
    this.listen(discovery, 'peer-gone', (key: string) => peers.forget(key))
    await parts.open('mdns', discovery)

    log.info(`node ${library.nodeKey} "${config.name}" ready in ${Date.now() - startedAt} ms: ${library.list().length} drives, data in ${config.data}`)
    await this.notifier.ready()
    // Never rejects: a drive that cannot be counted is logged and keeps its remembered figures.
    void library.finishOpening()
    if (config.internet) this.internet = this.openInternet()
    this.notifier.status(statusLine(ctx))
    const statusTimer = setInterval(() => this.notifier.status(statusLine(ctx)), STATUS_EVERY_MS)
    statusTimer.unref()
    parts.onClose('status timer', () => clearInterval(statusTimer))
  }

  protected override async _close (): Promise<void> {
    // systemd shows "deactivating" while the parts close.
    await this.notifier.stopping()
    // Listed in the parts once it has loaded: a close that comes first must not miss it.
    await this.internet
    await this.parts.closeAll(log)
  }

  /**
   * Joins the public DHT, after READY=1: joining waits on the network, and nothing the LAN serves waits on it.
   * Loaded only here: hyperswarm and hyperdht cost ~12 MiB of RSS a LAN-only node never needs, and loading them
   * before READY=1 was ~100 ms of a start here (bench/README.md, "Start, fifth pass"). A node that cannot join
   * still serves the LAN.
   */
  private async openInternet (): Promise<void> {
    const { config, library, peers } = this
    try {
      const { InternetSwarm } = await import('../services/internet/internet-swarm.js')
      if (this.isClosing) return
      await this.parts.open('internet', new InternetSwarm({ library, peers, keyPair: library.keyPair!, bootstrap: config.bootstrap }))
    } catch (err) {
      log.error(`cannot reach nodes over the Internet, serving the LAN only: ${(err as Error).message}`)
    }
  }

  /** A listener between two parts, removed when the node closes. */
  private listen (emitter: NodeJS.EventEmitter, event: string, fn: (...args: any[]) => void): void {
    emitter.on(event, fn)
    this.parts.onClose(`${event} listener`, () => { emitter.off(event, fn) })
  }
}
