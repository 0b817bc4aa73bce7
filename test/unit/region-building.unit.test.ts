import { describe, it, expect } from 'vitest'
import { MirrorManager } from '../../services/mirror/mirror-manager.js'
import { place } from '../../services/mirror/region-placement.js'
import type { PolicySettings } from '../../services/mirror/mirror-policy.js'
import type { Library } from '../../services/storage/library.js'
import type { Peer } from '../../services/replication/peer-manager.js'
import type { Catalogue, CatalogueEntry } from '../../services/replication/catalogue.js'
import { keyText } from '../../services/storage/drive-key.js'

const SELF = 's'.repeat(52)
const key = (c: string) => c.repeat(52)
const MB = 1_000_000

/** `cores`: the drive's replication peers as its cores see them (plain Hypercore peers send no catalogue). */
interface FakeDrive { key: string, own?: boolean, pinned?: boolean, followed?: boolean, bytes: number, localBytes?: number, release?: boolean, cores?: { metadata: unknown, blobs: unknown } }

/** Just what the mirror manager reads of a library: records and their figures. */
function fakeLibrary (drives: FakeDrive[]): Library {
  const records = drives.map(d => ({ key: d.key, own: d.own ?? false, pinned: d.pinned ?? false, followed: d.followed ?? false, lastUsed: 1, addedAt: 1, title: d.key.slice(0, 4), release: d.release }))
  const live = (d: FakeDrive) => ({
    id: d.key,
    own: d.own ?? false,
    info: { title: d.key.slice(0, 4) },
    snapshot: () => ({ bytes: d.bytes, localBytes: d.localBytes ?? d.bytes, known: true }),
    storeFigures: () => ({ bytes: d.bytes, localBytes: d.localBytes ?? d.bytes }),
    replicatedCores: () => d.cores ?? { metadata: { length: 1, peers: [] }, blobs: { length: 1, peers: [] } }
  })
  return {
    nodeKey: SELF,
    records: () => records,
    record: (k: string) => records.find(r => r.key === k),
    list: () => drives.map(live),
    get: (k: string) => { const d = drives.find(x => x.key === k); return d && live(d) },
    isRelease: (k: string) => drives.some(d => d.key === k && d.release === true),
    blockedKeys: () => []
  } as unknown as Library
}

const settings = (over: Partial<PolicySettings> = {}): PolicySettings => ({ mirror: 'all', maxDriveBytes: 10 * MB, maxTotalBytes: 20 * MB, deny: [], follow: [], probeTimeoutMs: 60_000, maxProbing: 8, ...over })

const entry = (k: string, over: Partial<CatalogueEntry> = {}): CatalogueEntry => ({ key: k, title: '', description: '', bytes: MB, files: 1, version: 1, own: false, keeps: false, complete: true, ...over })
const peer = (k: string, drives: CatalogueEntry[], node: Catalogue['node'] | null = { capBytes: 20 * MB, usedBytes: drives.length * MB, maxDriveBytes: 10 * MB, mirror: 'all' }): Peer =>
  ({ key: k, name: '', address: '', via: 'lan', since: 0, catalogue: node ? { drives, refuses: [], node } : { drives, refuses: [] } })

describe('the region a mirror manager builds from its peers\' catalogues', () => {
  it('has the connected peers with their catalogue figures and this node with its own', () => {
    const m = new MirrorManager({ library: fakeLibrary([{ key: key('a'), bytes: 3 * MB }]), settings: settings(), copies: 3 })
    m.peerCatalogue(peer(key('p'), [entry(key('a'), { own: true, keeps: true })]))
    m.peerCatalogue(peer(key('q'), [], { capBytes: 5 * MB, usedBytes: 4 * MB, maxDriveBytes: 2 * MB, mirror: 'followed' }))
    const region = m.region(1000)
    expect(region.self).toBe(SELF)
    expect(region.copies).toBe(3)
    const nodes = new Map(region.nodes.map(n => [n.key, n]))
    expect([...nodes.keys()].sort()).toEqual([key('p'), key('q'), SELF].sort())
    expect(nodes.get(key('q'))).toMatchObject({ capBytes: 5 * MB, usedBytes: 4 * MB, maxDriveBytes: 2 * MB, mirrorsAll: false })
    expect([...nodes.get(key('p'))!.keeps!]).toEqual([key('a')])
    expect(nodes.get(SELF)).toMatchObject({ capBytes: 20 * MB, usedBytes: 3 * MB, maxDriveBytes: 10 * MB, mirrorsAll: true })
    expect(m.figures()).toEqual({ capBytes: 20 * MB, usedBytes: 3 * MB, maxDriveBytes: 10 * MB, mirror: 'all' })
  })

  it('charges a copy of a drive its publisher is still importing the size the publisher offers it at, not what arrived', () => {
    const m = new MirrorManager({ library: fakeLibrary([{ key: key('a'), bytes: MB }]), settings: settings() })
    const p = peer(key('p'), [entry(key('a'), { own: true, bytes: 3 * MB, complete: false })])
    m.peerOpen(p)
    m.peerCatalogue(p)
    // 1 MB of it is here; the other 2 MB are coming: another drive must not be given that room meanwhile.
    expect(m.figures().usedBytes).toBe(3 * MB)
    // Only the publisher knows: a mirror still fetching its copy (complete: false, not own) says nothing of it.
    m.peerCatalogue(peer(key('q'), [entry(key('a'), { bytes: 5 * MB, complete: false })]))
    expect(m.figures().usedBytes).toBe(3 * MB)
    // The import is over: the copy is charged what the drive is.
    m.peerCatalogue(peer(key('p'), [entry(key('a'), { own: true, bytes: MB, complete: true })]))
    expect(m.figures().usedBytes).toBe(MB)
    // A publisher gone mid-import writes nothing more until it is back.
    m.peerCatalogue(p)
    m.peerGone(p)
    expect(m.figures().usedBytes).toBe(MB)
  })

  it('counts as holders the peers listing a drive complete and this node when it holds it complete; the publisher is the peer whose entry says own', () => {
    const m = new MirrorManager({
      library: fakeLibrary([{ key: key('a'), bytes: MB }, { key: key('b'), bytes: MB, localBytes: MB / 2 }, { key: key('c'), own: true, bytes: MB }, { key: key('r'), release: true, bytes: MB }]),
      settings: settings()
    })
    m.peerCatalogue(peer(key('p'), [entry(key('a'), { own: true }), entry(key('b'), { own: true })]))
    m.peerCatalogue(peer(key('q'), [entry(key('a')), entry(key('b'), { complete: false }), entry(key('c'))]))
    const complete = m.region(1000, undefined, false)
    expect([...complete.holders.get(key('a'))!].sort()).toEqual([key('p'), key('q'), SELF].sort())
    expect([...complete.holders.get(key('b'))!]).toEqual([key('p')])
    expect([...complete.holders.get(key('c'))!].sort()).toEqual([key('q'), SELF].sort())
    expect(complete.holders.has(key('r'))).toBe(false)
    expect(complete.publisher.get(key('a'))).toBe(key('p'))
    expect(complete.publisher.get(key('c'))).toBe(SELF)
    // For placement, a copy a peer is still fetching counts: its room is already spent on it.
    expect([...m.region(1000).holders.get(key('b'))!].sort()).toEqual([key('p'), key('q')].sort())
  })

  it('does not count a copy from an older peer that does not say whether it is complete', () => {
    const m = new MirrorManager({ library: fakeLibrary([]), settings: settings() })
    const { complete: _, ...old } = entry(key('a'))
    m.peerCatalogue(peer(key('p'), [old], null))
    const region = m.region(1000)
    expect(region.holders.get(key('a'))).toBeUndefined()
    expect(region.nodes.find(n => n.key === key('p'))).toEqual({ key: key('p'), declines: new Set(), keeps: new Set() })
  })

  it('keeps a peer that disconnected as a holder for 60 s, but not as a node, so a reboot makes nobody fetch a copy', () => {
    const m = new MirrorManager({ library: fakeLibrary([]), settings: settings() })
    const p = peer(key('p'), [entry(key('a'), { own: true })])
    const q = peer(key('q'), [entry(key('a'))])
    m.peerCatalogue(p)
    m.peerCatalogue(q)
    const left = Date.now()
    m.peerGone(q)
    const during = m.region(left + 59_000)
    expect([...during.holders.get(key('a'))!].sort()).toEqual([key('p'), key('q')].sort())
    expect(during.nodes.map(n => n.key).sort()).toEqual([key('p'), SELF].sort())
    // Its copy still counts; it is not fetching anything now.
    m.peerCatalogue(peer(key('r'), [entry(key('a'), { complete: false })]))
    m.peerGone(peer(key('r'), []))
    expect([...m.region(left + 59_000).holders.get(key('a'))!].sort()).toEqual([key('p'), key('q')].sort())
    const after = m.region(left + 61_000)
    expect([...after.holders.get(key('a'))!]).toEqual([key('p')])
  })

  it('a peer back within its grace period counts from its new catalogue', () => {
    const m = new MirrorManager({ library: fakeLibrary([]), settings: settings() })
    m.peerCatalogue(peer(key('q'), [entry(key('a'))]))
    m.peerGone(peer(key('q'), []))
    m.peerCatalogue(peer(key('q'), []))
    expect(m.region(Date.now()).holders.get(key('a'))).toBeUndefined()
  })

  it('gives place() what it needs: a drive below target is taken before a third copy of one at target', () => {
    const m = new MirrorManager({ library: fakeLibrary([]), settings: settings({ maxTotalBytes: MB }) })
    m.peerCatalogue(peer(key('p'), [entry(key('a'), { own: true }), entry(key('b'), { own: true })], { capBytes: MB, usedBytes: MB, maxDriveBytes: MB, mirror: 'followed' }))
    m.peerCatalogue(peer(key('q'), [entry(key('a'))], { capBytes: MB, usedBytes: MB, maxDriveBytes: MB, mirror: 'all' }))
    m.peerCatalogue(peer(key('r'), [entry(key('a'))], { capBytes: MB, usedBytes: MB, maxDriveBytes: MB, mirror: 'all' }))
    const offered = [{ key: key('a'), bytes: MB, peers: 3 }, { key: key('b'), bytes: MB, peers: 1 }]
    const d = place({ settings: settings({ maxTotalBytes: MB }), held: [], offered, blocked: [], coolingDown: new Set(), now: 1000, region: m.region(1000) })
    // b first: below target, and the only node with room for it is this one; then no room is left for a third copy of a.
    expect(d.mirror).toEqual([key('b')])
    expect(d.skipped).toEqual([{ key: key('a'), reason: 'no-space' }])
  })
})

describe('peers that speak plain Hypercore and send no catalogue (the stock drives CLI, another Hyperdrive app)', () => {
  const stockKey = Buffer.alloc(32, 7)
  const STOCK = keyText(stockKey)
  /** A drive's cores of `length` blocks each, with the stock peer holding the first `has` blocks of the file bytes. */
  const cores = (has: number, length = 10) => ({
    metadata: { length, peers: [{ remotePublicKey: stockKey, remoteLength: length, remoteContiguousLength: length }] },
    blobs: { length, peers: [{ remotePublicKey: stockKey, remoteLength: length, remoteContiguousLength: has }] }
  })
  const plainPeer = (k: string): Peer => ({ key: k, name: '', address: '', via: 'internet', since: 0, catalogue: { drives: [], refuses: [] } })

  it('a stock seeder with every block of a drive\'s cores is one of its holders and its seeders, and no node that takes drives', () => {
    const m = new MirrorManager({ library: fakeLibrary([{ key: key('a'), followed: true, bytes: MB, cores: cores(10) }]), settings: settings() })
    m.peerOpen(plainPeer(STOCK))
    const region = m.region(1000, undefined, false)
    expect([...region.holders.get(key('a'))!].sort()).toEqual([STOCK, SELF].sort())
    expect(m.seeders(key('a'))).toBe(1)
    expect(region.nodes.find(n => n.key === STOCK)).toMatchObject({ mirrorsAll: false, keeps: new Set([key('a')]) })
  })

  it('a stock peer still fetching a drive is a seeder of it but not a holder', () => {
    const m = new MirrorManager({ library: fakeLibrary([{ key: key('a'), bytes: MB, cores: cores(4) }]), settings: settings() })
    m.peerOpen(plainPeer(STOCK))
    expect([...m.region(1000, undefined, false).holders.get(key('a'))!]).toEqual([SELF])
    expect(m.seeders(key('a'))).toBe(1)
  })

  it('a peer that sent a catalogue is counted from its catalogue, not from its cores', () => {
    const m = new MirrorManager({ library: fakeLibrary([{ key: key('a'), bytes: MB, cores: cores(10) }]), settings: settings() })
    m.peerOpen(plainPeer(STOCK))
    m.peerCatalogue(peer(STOCK, [entry(key('a'), { complete: false })]))
    expect([...m.region(1000, undefined, false).holders.get(key('a'))!]).toEqual([SELF])
    expect(m.seeders(key('a'))).toBe(1)
  })

  it('a stock seeder that disconnects counts as a holder for the grace period, like any node', () => {
    const drive: FakeDrive = { key: key('a'), bytes: MB, cores: cores(10) }
    const m = new MirrorManager({ library: fakeLibrary([drive]), settings: settings(), holderGraceMs: 5000 })
    m.peerOpen(plainPeer(STOCK))
    m.region(Date.now())
    const left = Date.now()
    drive.cores = { metadata: { length: 10, peers: [] }, blobs: { length: 10, peers: [] } }
    m.peerGone(plainPeer(STOCK))
    expect([...m.region(left + 4000, undefined, false).holders.get(key('a'))!].sort()).toEqual([STOCK, SELF].sort())
    expect(m.seeders(key('a'))).toBe(0)
    expect([...m.region(left + 6000, undefined, false).holders.get(key('a'))!]).toEqual([SELF])
  })
})
