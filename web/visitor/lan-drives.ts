// Every drive a visitor can see on the LAN: those held here (with how much is local) and those peers offer
// that this node does not hold. The home page and its live updates read the same list.
import type { NodeContext } from '../../services/node/node-context.js'
import { driveStatuses } from '../../services/node/node-status.js'

export interface LanDrive {
  key: string
  title: string
  description: string
  files: number
  bytes: number
  local: number
  held: boolean
  complete: boolean
  /** Devices holding it: peers that offer it, plus this node when it holds it. */
  seeders: number
  /** LAN nodes holding it complete, this one and its publisher included (departed ones within their grace). */
  holders: number
  /** Has an index.html at its root (opens as a website). */
  site: boolean
}

const MAX_OFFERED = 200

export function lanDrives (ctx: NodeContext, sites: (key: string) => boolean = () => false): LanDrive[] {
  // A drive whose metadata never arrived (followed by a key no peer has) has no title or files to show.
  const known = (key: string) => ctx.library.get(key)?.snapshot().known === true
  const region = ctx.mirror.region(Date.now(), undefined, false)
  const held = driveStatuses(ctx, region).filter(d => !ctx.library.isBlocked(d.key) && !d.release && known(d.key)).map(d => ({
    key: d.key,
    title: d.title || d.key.slice(0, 8),
    description: d.description,
    files: d.files,
    bytes: d.bytes,
    local: Math.min(d.localBytes, d.bytes),
    held: true,
    complete: d.complete,
    seeders: d.peers + 1,
    holders: d.copies,
    site: sites(d.key)
  }))
  const have = new Set(held.map(d => d.key))
  const offered = ctx.mirror.offered()
    .filter(o => !have.has(o.entry.key) && !ctx.library.isBlocked(o.entry.key))
    .slice(0, MAX_OFFERED)
    .map(o => ({
      key: o.entry.key,
      title: o.entry.title || o.entry.key.slice(0, 8),
      description: o.entry.description,
      files: o.entry.files,
      bytes: o.entry.bytes,
      local: 0,
      held: false,
      complete: false,
      seeders: o.peers.size,
      holders: region.holders.get(o.entry.key)?.size ?? 0,
      site: false
    }))
  const byTitle = (a: LanDrive, b: LanDrive) => a.title.localeCompare(b.title)
  return [...held.sort(byTitle), ...offered.sort(byTitle)]
}
