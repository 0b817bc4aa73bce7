// The region's health as the organiser reads it: every drive known on the LAN, how many complete copies it has
// besides its publisher's against the target, and which nodes hold them, the drives closest to being lost first.
import type { NodeContext } from './node-context.js'
import type { Region } from '../mirror/region-placement.js'

/**
 * `lost`: no node on the LAN holds it complete; `publisher-only`: only its publisher does (gone when that laptop
 * goes home); `at-risk`: fewer copies than the target besides the publisher's; `safe`: the target is met.
 */
export type CopyState = 'lost' | 'publisher-only' | 'at-risk' | 'safe'

export interface HolderNode {
  key: string
  /** Its name as the LAN announced it, or '' when unknown (a stock seeder, a node that left). */
  name: string
  self: boolean
  publisher: boolean
}

export interface DriveHealth {
  key: string
  title: string
  /** Complete copies on nodes other than its publisher. */
  copies: number
  target: number
  state: CopyState
  holders: HolderNode[]
}

const ORDER: Record<CopyState, number> = { lost: 0, 'publisher-only': 1, 'at-risk': 2, safe: 3 }

export interface RegionHealthInput {
  region: Region
  target: number
  /** Every drive known on the LAN, with its title. */
  drives: ReadonlyMap<string, string>
  /** Node key → name, for the nodes whose name is known. */
  names: ReadonlyMap<string, string>
}

/** Worst first: lost, only on the publisher's device, at risk (fewest copies first), then safe; by title within. */
export function regionHealth ({ region, target, drives, names }: RegionHealthInput): DriveHealth[] {
  const list: DriveHealth[] = []
  for (const [key, title] of drives) {
    const publisher = region.publisher.get(key)
    const holders = [...region.holders.get(key) ?? []]
    const copies = holders.filter(n => n !== publisher).length
    const state: CopyState = holders.length === 0
      ? 'lost'
      : copies === 0 ? 'publisher-only' : copies < target ? 'at-risk' : 'safe'
    list.push({
      key,
      title,
      copies,
      target,
      state,
      holders: holders.map(n => ({ key: n, name: names.get(n) ?? '', self: n === region.self, publisher: n === publisher }))
        .sort((a, b) => Number(b.publisher) - Number(a.publisher) || Number(b.self) - Number(a.self) || a.name.localeCompare(b.name) || a.key.localeCompare(b.key))
    })
  }
  return list.sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.copies - b.copies || a.title.localeCompare(b.title) || a.key.localeCompare(b.key))
}

/** The same for a running node: its complete copies only (a copy being fetched is not yet one). */
export function nodeRegionHealth (ctx: NodeContext): DriveHealth[] {
  const { library, mirror, peers, config } = ctx
  const drives = new Map<string, string>()
  for (const d of library.list()) if (!library.isRelease(d.id)) drives.set(d.id, d.info.title || library.record(d.id)?.title || '')
  for (const o of mirror.offered()) if (!drives.has(o.entry.key) && !library.isRelease(o.entry.key)) drives.set(o.entry.key, o.entry.title)
  const names = new Map(peers.peers().filter(p => p.name).map(p => [p.key, p.name]))
  names.set(library.nodeKey, config.name)
  return regionHealth({ region: mirror.region(Date.now(), undefined, false), target: mirror.copies, drives, names })
}
