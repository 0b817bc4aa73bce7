// What the HTTP routes (the node's API, the portal pages, the admin page) need from a running node.
import type { Config } from '../config/config.js'
import type { Library } from '../storage/library.js'
import type { PeerManager } from '../replication/peer-manager.js'
import type { MirrorManager } from '../mirror/mirror-manager.js'
import type { NodeSettings } from '../config/node-settings.js'
import type { UpdateStatus } from '../update/release-watcher.js'
import type { UpdateControl } from '../update/update-control.js'

export interface NodeContext {
  /** Read once at start; never changed (what changes at run time is in `settings`). */
  config: Readonly<Config>
  settings: NodeSettings
  library: Library
  peers: PeerManager
  mirror: MirrorManager
  startedAt: number
  appVersion: string
  /** The release watcher, when the node follows a release drive (`--release-key`). */
  updates?: { readonly update: UpdateStatus } | null
  /** The appliance's root update helper (`updater-socket`): installs, going back, its history. Null on a laptop. */
  updater?: UpdateControl | null
}
