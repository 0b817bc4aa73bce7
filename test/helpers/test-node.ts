// A whole node in this process: temp data folder, HTTP on 127.0.0.1 port 0, no mDNS, no Internet.
import { buildConfig, type Config } from '../../services/config/config.js'
import { PortalNode, type PortalNodeOptions } from '../../app/portal-node.js'
import { portalWeb } from '../../app/portal-parts.js'
import { tempDir } from './temp-dir.js'

export interface TestNode {
  node: PortalNode
  config: Config
  url: string
  contentUrl: string
  close (): Promise<void>
}

export async function startTestNode (pairs: Array<[string, string]> = [], opts: Partial<PortalNodeOptions> = {}): Promise<TestNode> {
  const data = await tempDir('p2p-node-')
  const config = buildConfig([
    ['data', data], ['host', '127.0.0.1'], ['port', '1'], ['content-port', '2'], ['internet', 'off'],
    // Loopback only: tests never multicast on the machine's real interfaces.
    ['mdns-interfaces', 'lo'], ['log-level', process.env.P2P_PORTAL_LOG ?? 'silent'], ...pairs
  ])
  // Port 0 is refused in config files (a node needs a known port), but tests want any free one.
  config.port = 0
  config.contentPort = 0
  const node = new PortalNode({ config, web: portalWeb, ...opts })
  await node.open()
  // Pages link to the content port (drive websites): tell them the one the system picked.
  config.port = node.http.port('portal')
  config.contentPort = node.http.port('drive content')
  const url = `http://127.0.0.1:${node.http.port('portal')}`
  const contentUrl = `http://127.0.0.1:${node.http.port('drive content')}`
  return { node, config, url, contentUrl, close: () => node.close() }
}
