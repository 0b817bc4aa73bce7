// Who published a drive, as far as this node knows: itself for its own drives, otherwise a connected peer whose
// catalogue says it wrote the drive (`own`), named as that peer announced itself on the LAN. Peers reached over
// the Internet have no name; a publisher that is not connected is not known here.
import type { NodeContext } from '../../services/node/node-context.js'

export function publisherName (ctx: NodeContext, key: string): string | null {
  if (ctx.library.get(key)?.own) return ctx.config.name
  for (const p of ctx.peers.peers()) {
    if (p.name && p.catalogue.drives.some(e => e.key === key && e.own)) return p.name
  }
  return null
}
