// The card is shared by mirrored drives and the blocks visitors browsed from other nodes. When it runs short,
// the browsed blocks (a cache) are given back before any mirrored drive is; when it does not, they stay.
import { describe, it, expect, afterEach } from 'vitest'
import { MirrorManager } from '../../services/mirror/mirror-manager.js'
import type { PolicySettings } from '../../services/mirror/mirror-policy.js'
import type { Library } from '../../services/storage/library.js'
import type { Peer } from '../../services/replication/peer-manager.js'
import { until } from '../helpers/until.js'

const MB = 1_000_000
const SELF = 'y'.repeat(52)
const MIRRORED = 'm'.repeat(52)

/** One mirrored drive still fetching: `bytes` in all, `localBytes` here so far. */
function libraryWith (bytes: number, localBytes: number, log: string[]): Library {
  const record = { key: MIRRORED, own: false, pinned: false, followed: false, lastUsed: 1, addedAt: 1, title: 'Mirrored' }
  const drive = {
    id: MIRRORED,
    own: false,
    info: { title: 'Mirrored' },
    snapshot: () => ({ bytes, localBytes, known: true }),
    storeFigures: () => ({ bytes, localBytes }),
    // No peer replicates it (core-peers.ts reads who holds a drive from here).
    replicatedCores: () => ({ metadata: { length: 1, peers: [] }, blobs: null })
  }
  let held = true
  return {
    nodeKey: SELF,
    records: () => held ? [record] : [],
    record: (k: string) => held && k === MIRRORED ? record : undefined,
    list: () => held ? [drive] : [],
    get: (k: string) => held && k === MIRRORED ? drive : undefined,
    isRelease: () => false,
    blockedKeys: () => [],
    keepBallast: async () => { /* no ballast file: the card here is a number */ },
    remove: async (k: string) => { log.push(`evict mirror ${k.slice(0, 1)}`); held = false },
    addMirror: async (k: string) => { log.push(`mirror ${k.slice(0, 1)}`) }
  } as unknown as Library
}

const settings = (): PolicySettings => ({ mirror: 'all', maxDriveBytes: 100 * MB, maxTotalBytes: 100 * MB, deny: [], follow: [], probeTimeoutMs: 60_000, maxProbing: 8, reserveBytes: 2 * MB })

/** A browse cache holding `bytes`; clearing it gives them back to the card. */
function browsed (bytes: number, card: { free: number }, log: string[]) {
  return {
    bytes,
    async clear () { log.push('clear browsed'); card.free += this.bytes; const n = this.bytes; this.bytes = 0; return n }
  }
}

let m: MirrorManager | null = null
afterEach(async () => { await m?.close(); m = null })

/** A mirror manager on that card; `reviews` counts the reviews that read the card's free space. */
async function start (card: { free: number }, cache: ReturnType<typeof browsed>, log: string[], mirrored = { bytes: 10 * MB, localBytes: 2 * MB }) {
  const seen = { reviews: 0 }
  const freeBytes = async () => { seen.reviews++; return card.free }
  m = new MirrorManager({ library: libraryWith(mirrored.bytes, mirrored.localBytes, log), settings: settings(), freeBytes, browsed: cache })
  await m.open()
  return seen
}

/** Waits for `n` more complete reviews. */
async function reviews (seen: { reviews: number }, n: number): Promise<void> {
  const from = seen.reviews
  for (let i = 0; i < n; i++) {
    m!.schedule()
    await until(() => seen.reviews > from + i, { what: 'a review' })
  }
}

describe('browsed blocks and mirrored drives on a short card', () => {
  it('gives back the browsed blocks first, and keeps the mirror when that makes room', async () => {
    const log: string[] = []
    // The mirror has 8 MB still to write; 5 MB free: without the 6 MB of browsed blocks it could not finish.
    const card = { free: 5 * MB }
    const seen = await start(card, browsed(6 * MB, card, log), log)
    await until(() => log.length > 0, { what: 'a review to act' })
    await reviews(seen, 2)
    expect(log).toEqual(['clear browsed'])
  })

  it('when giving them back is not enough, still gives them back before it evicts the mirror', async () => {
    const log: string[] = []
    const card = { free: 1 * MB }
    await start(card, browsed(1 * MB, card, log), log)
    await until(() => log.length >= 2, { what: 'the browsed blocks and then the mirror to go' })
    expect(log).toEqual(['clear browsed', 'evict mirror m'])
  })

  it('leaves the browsed blocks alone while the card has room', async () => {
    const log: string[] = []
    const card = { free: 50 * MB }
    const cache = browsed(6 * MB, card, log)
    const seen = await start(card, cache, log)
    await reviews(seen, 2)
    expect(log).toEqual([])
    expect(cache.bytes).toBe(6 * MB)
  })

  describe('and a new drive a peer offers', () => {
    const OFFERED = 'o'.repeat(52)
    const offer = (bytes: number): Peer => ({
      key: 'p'.repeat(52), name: '', address: '', via: 'lan', since: 0,
      catalogue: { drives: [{ key: OFFERED, title: 'New', description: '', bytes, files: 1, version: 3, own: true, keeps: true, complete: true }], refuses: [] }
    })
    const complete = { bytes: 10 * MB, localBytes: 10 * MB }

    it('gives the browsed blocks back when that makes room for it', async () => {
      const log: string[] = []
      // 8 MB offered, 5 MB free beside a 2 MB reserve: it fits once the 6 MB of browsed blocks are given back.
      const card = { free: 5 * MB }
      await start(card, browsed(6 * MB, card, log), log, complete)
      m!.peerCatalogue(offer(8 * MB))
      await until(() => log.length >= 2, { what: 'the browsed blocks to go and the drive to be taken' })
      expect(log).toEqual(['clear browsed', 'mirror o'])
    })

    it('keeps them when it would not fit even without them', async () => {
      const log: string[] = []
      const card = { free: 5 * MB }
      const cache = browsed(1 * MB, card, log)
      const seen = await start(card, cache, log, complete)
      m!.peerCatalogue(offer(8 * MB))
      await reviews(seen, 2)
      expect(log).toEqual([])
      expect(m!.skipped.get(OFFERED)).toBe('no-space')
      expect(cache.bytes).toBe(MB)
    })
  })
})
