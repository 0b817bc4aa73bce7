// What the HTTP routes (the node's API, the portal pages, the admin page) need from a running node.
import type { Config } from '../config/config.js'
import type { Library } from '../storage/library.js'
import type { PeerManager } from '../replication/peer-manager.js'
import type { MirrorManager } from '../mirror/mirror-manager.js'

export interface NodeContext {
  config: Config
  library: Library
  peers: PeerManager
  mirror: MirrorManager
  startedAt: number
  appVersion: string
}
