// The node's state as the status API, the portal's live view and systemd's STATUS= line describe it.
import type { NodeContext } from './node-context.js'
import { PROTOCOL_VERSION } from '../replication/catalogue-channel.js'
import { formatSize } from '../config/size.js'
import type { UpdateStatus } from '../update/release-watcher.js'
import { diskFigures, diskFull } from '../storage/disk-space.js'
import type { Region } from '../mirror/region-placement.js'

export interface DriveStatus {
  key: string
  title: string
  description: string
  own: boolean
  pinned: boolean
  followed: boolean
  version: number
  files: number
  bytes: number
  localBytes: number
  complete: boolean
  peers: number
  lastUsed: number
  /** Complete copies on distinct LAN nodes, this one and the publisher included (a node that left counts for 60 s). */
  copies: number
  /** Those nodes' keys. */
  holders: string[]
  /** Present (true) on the release drive only: app updates, outside the disk caps, not shown to visitors. */
  release?: true
  /** Files a --share folder is writing into the drive (its first import, or changes), null when idle. */
  importing: { files: number, done: number, finalBytes: number } | null
}

export interface NodeStatus {
  node: { key: string, name: string, version: string, protocol: number, uptime: number, replicationPort: number, internet: boolean }
  peers: Array<{ key: string, name: string, address: string, via: string, since: number, drives: number }>
  drives: DriveStatus[]
  available: Array<{ key: string, title: string, bytes: number, peers: number, reason: string, copies: number, holders: string[] }>
  /** Nodes connected (this one included), drives known, and drives held by fewer than `copies` nodes besides their publisher. */
  region: { nodes: number, drives: number, copies: number, atRisk: number }
  /**
   * `used`: what the caps count, the drives' content (blocks of superseded versions until they are given back
   * included). `store`: what the store takes on the card, as `du` counts it: that and the storage engine's own
   * files (logs, manifest), and space cleared but not yet compacted. `full`: the card is (nearly) full, less
   * than half the `reserve` free: nothing new is mirrored until space is freed.
   */
  disk: { used: number, store: number, cap: number, perDriveCap: number, free: number | null, reserve: number, full: boolean }
  evictions: Array<{ key: string, title: string, reason: string, at: number }>
  update: UpdateStatus
}

export function driveStatuses (ctx: NodeContext, region: Region = ctx.mirror.region(Date.now(), undefined, false)): DriveStatus[] {
  const { library, mirror } = ctx
  return library.list().map(d => {
    const holders = [...region.holders.get(d.id) ?? []]
    const f = d.snapshot()
    const r = library.record(d.id)
    return {
      key: d.id,
      title: d.info.title || r?.title || '',
      description: d.info.description,
      own: d.own,
      pinned: r?.pinned ?? false,
      followed: r?.followed ?? false,
      version: f.version,
      files: f.files,
      bytes: f.bytes,
      localBytes: f.localBytes,
      complete: f.known && f.localBytes >= f.bytes,
      peers: mirror.seeders(d.id),
      lastUsed: r?.lastUsed ?? 0,
      copies: holders.length,
      holders,
      ...(r?.release === true ? { release: true as const } : {}),
      importing: d.importing ? { ...d.importing } : null
    }
  })
}

export async function nodeStatus (ctx: NodeContext): Promise<NodeStatus> {
  const { library, peers, mirror, config } = ctx
  const region = mirror.region(Date.now(), undefined, false)
  const drives = driveStatuses(ctx, region)
  const held = new Set(drives.map(d => d.key))
  const holdersOf = (key: string) => [...region.holders.get(key) ?? []]
  const known = new Set([...held, ...mirror.offered().map(o => o.entry.key)])
  for (const d of drives) if (d.release === true) known.delete(d.key)
  let atRisk = 0
  for (const key of known) {
    const publisher = region.publisher.get(key)
    if (holdersOf(key).filter(n => n !== publisher).length < mirror.copies) atRisk++
  }
  // One look at the card serves both figures: free space as it is, and what mirrors may still use of it.
  const card = await diskFigures(config.data)
  const free = card?.free ?? null
  const store = await library.measureStore()
  return {
    node: {
      key: library.nodeKey,
      name: config.name,
      version: ctx.appVersion,
      protocol: PROTOCOL_VERSION,
      uptime: Math.round((Date.now() - ctx.startedAt) / 1000),
      replicationPort: peers.port,
      internet: config.internet
    },
    peers: peers.peers().map(p => ({ key: p.key, name: p.name, address: p.address, via: p.via, since: p.since, drives: p.catalogue.drives.length })),
    drives,
    available: mirror.offered().filter(o => !held.has(o.entry.key)).slice(0, 200).map(o => ({
      key: o.entry.key,
      title: o.entry.title,
      bytes: o.entry.bytes,
      peers: o.peers.size,
      reason: mirror.skipped.get(o.entry.key) ?? (library.isBlocked(o.entry.key) ? 'blocked' : 'pending'),
      copies: holdersOf(o.entry.key).length,
      holders: holdersOf(o.entry.key)
    })),
    region: { nodes: region.nodes.length, drives: known.size, copies: mirror.copies, atRisk },
    disk: {
      used: contentUsed(ctx, drives),
      store,
      cap: ctx.settings.maxTotalBytes,
      perDriveCap: ctx.settings.maxDriveBytes,
      free,
      reserve: mirror.settings.reserveBytes ?? 0,
      full: diskFull(await library.freeBytes(card), mirror.settings.reserveBytes ?? 0)
    },
    evictions: mirror.evictions.slice(-10),
    update: ctx.updates?.update ?? { current: ctx.appVersion, available: null, state: 'none', lastResult: null }
  }
}

/**
 * What the caps count (and `used` shows against the cap): each library drive's latest version, or the blocks its
 * store really holds when that is more (superseded versions not yet given back, a file whose entry is not written
 * yet). The release drive is outside the caps.
 */
function contentUsed (ctx: NodeContext, drives: DriveStatus[]): number {
  return drives.filter(d => d.release !== true).reduce((n, d) => {
    const store = ctx.library.get(d.key)?.storeFigures().bytes ?? 0
    return n + Math.max(d.bytes, d.localBytes, store)
  }, 0)
}

/** One line for systemd's STATUS= (shown by `systemctl status`). */
export function statusLine (ctx: NodeContext): string {
  const drives = driveStatuses(ctx)
  const syncing = drives.filter(d => !d.complete && !d.own)
  const held = drives.reduce((n, d) => n + d.localBytes, 0)
  const total = drives.reduce((n, d) => n + d.bytes, 0)
  const sync = syncing.length ? `, syncing ${syncing.length} (${total ? Math.floor(held * 100 / total) : 100}%)` : ''
  return `${ctx.peers.peers().length} peers, ${drives.length} drives, ${formatSize(held)} held${sync}`
}
