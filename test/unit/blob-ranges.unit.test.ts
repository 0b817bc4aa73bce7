import { describe, it, expect } from 'vitest'
import path from 'node:path'
import Corestore from 'corestore'
import { keptRanges, gapRanges, keptEnd } from '../../services/storage/blob-ranges.js'
import { tempDir } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'

const blob = (blockOffset: number, blockLength: number) => ({ blockOffset, blockLength })

describe('the blocks the latest version keeps', () => {
  it('are its files\' ranges, sorted, with overlapping and touching ones merged', () => {
    expect(keptRanges([blob(10, 5), blob(0, 3), blob(3, 2), blob(12, 10), blob(30, 1)]))
      .toEqual([{ start: 0, end: 5 }, { start: 10, end: 22 }, { start: 30, end: 31 }])
  })

  it('ignore empty files, and count twice-referenced blocks (a renamed copy) once', () => {
    expect(keptRanges([blob(0, 0), blob(4, 2), blob(4, 2), blob(9, 0)])).toEqual([{ start: 4, end: 6 }])
  })

  it('end after the last kept block, or at 0 for a drive with no file bytes', () => {
    expect(keptEnd(keptRanges([blob(2, 3), blob(8, 4)]))).toBe(12)
    expect(keptEnd([])).toBe(0)
  })
})

describe('the blocks a reclaim clears', () => {
  it('are the gaps between kept ranges, from block 0 up to the limit', () => {
    const kept = keptRanges([blob(5, 5), blob(20, 5)])
    expect(gapRanges(kept, 40)).toEqual([{ start: 0, end: 5 }, { start: 10, end: 20 }, { start: 25, end: 40 }])
  })

  it('stop at the limit, even inside a gap or before later kept ranges', () => {
    const kept = keptRanges([blob(5, 5), blob(20, 5)])
    expect(gapRanges(kept, 15)).toEqual([{ start: 0, end: 5 }, { start: 10, end: 15 }])
    expect(gapRanges(kept, 8)).toEqual([{ start: 0, end: 5 }])
  })

  it('are none when the kept ranges cover everything up to the limit', () => {
    expect(gapRanges(keptRanges([blob(0, 10)]), 10)).toEqual([])
    expect(gapRanges(keptRanges([blob(0, 4), blob(4, 6)]), 10)).toEqual([])
    expect(gapRanges([], 0)).toEqual([])
  })

  it('are the whole core when nothing is kept (every file deleted)', () => {
    expect(gapRanges([], 7)).toEqual([{ start: 0, end: 7 }])
  })

  it('never include a kept block, whatever the layout of ten re-imports', () => {
    // Ten versions of three files, each re-import appending new blocks and keeping one file unchanged.
    const blobs = [blob(0, 4)]
    let next = 4
    for (let v = 0; v < 10; v++) { blobs.push(blob(next, 3), blob(next + 3, 2)); next += 5 }
    const latest = [blobs[0], blobs[blobs.length - 2], blobs[blobs.length - 1]]
    const kept = keptRanges(latest)
    const gaps = gapRanges(kept, next)
    const cleared = new Set<number>()
    for (const g of gaps) for (let i = g.start; i < g.end; i++) cleared.add(i)
    for (const b of latest) for (let i = b.blockOffset; i < b.blockOffset + b.blockLength; i++) expect(cleared.has(i)).toBe(false)
    expect(cleared.size).toBe(next - 4 - 5)
  })
})

const closers = closeAfterEach()

async function store (name: string): Promise<any> {
  const s = new Corestore(path.join(await tempDir(`clear-${name}-`), 'store'))
  await s.ready()
  closers.push(() => s.close())
  return s
}

/** Piped replication streams between two stores; the returned function cuts them. */
function connect (a: any, b: any): () => void {
  const s1 = a.replicate(true)
  const s2 = b.replicate(false)
  s1.pipe(s2).pipe(s1)
  const cut = () => { s1.destroy(); s2.destroy() }
  closers.push(async () => cut())
  return cut
}

async function published (s: any, name: string, length: number): Promise<any> {
  const core = s.get({ name })
  await core.ready()
  for (let i = 0; i < length; i++) await core.append(Buffer.from(`${name} block ${i}`))
  return core
}

/**
 * The blocks of `blocks` a fresh reader, connected to `holder` alone, cannot get: a peer sends a block only with
 * the tree nodes that prove it against the publisher's signed root, and a holder missing one cannot send it.
 */
async function unfetchable (holder: any, key: Buffer, blocks: number[]): Promise<number[]> {
  const reader = await store('reader')
  connect(holder, reader)
  const core = reader.get({ key })
  await core.ready()
  const failed: number[] = []
  await Promise.all(blocks.map(async (i) => {
    if (!await core.get(i, { timeout: 15_000 }).then(Boolean, () => false)) failed.push(i)
  }))
  return failed.sort((a, b) => a - b)
}

/** What corestore's own audit (the one `p2p-portal audit` runs) would drop: a held block with no tree node, say. */
async function auditDrops (s: any): Promise<number> {
  let dropped = 0
  for await (const { audit } of s.audit({ dryRun: true })) dropped += (audit.droppedBlocks ?? 0) + (audit.droppedTreeNodes ?? 0) + (audit.droppedBits ?? 0)
  return dropped
}

describe('clearing a gap keeps every other block provable to peers', () => {
  it('a clear that starts at an odd block leaves the block before it whole (hypercore 11.37 deleted its tree node)', async () => {
    const s = await store('publisher')
    const core = await published(s, 'film', 8)
    await core.clear(5, 6)
    expect(await core.has(5)).toBe(false)
    expect(await auditDrops(s)).toBe(0)
    expect(await unfetchable(s, core.key, [0, 1, 2, 3, 4, 6, 7])).toEqual([])
  })

  it('on a mirror holding any layout of blocks, clearing every gap of the latest version leaves each kept block fetchable from it (randomised)', async () => {
    const publisher = await store('publisher')
    const mirror = await store('mirror')
    const cut = connect(publisher, mirror)
    let seed = 7
    const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
    const rounds: Array<{ key: Buffer, kept: number[] }> = []
    for (let round = 0; round < 30; round++) {
      const length = 2 + Math.floor(random() * 40)
      const source = await published(publisher, `core-${round}`, length)
      const files = [] as Array<{ blockOffset: number, blockLength: number }>
      for (let i = 0; i < length;) {
        const n = 1 + Math.floor(random() * 4)
        if (random() < 0.4) files.push({ blockOffset: i, blockLength: Math.min(n, length - i) })
        i += n
      }
      const kept = keptRanges(files)
      const keptBlocks = kept.flatMap(r => Array.from({ length: r.end - r.start }, (_, j) => r.start + j))
      // What a mirror holds: every kept block, and most superseded ones (fetched before a newer version came).
      const held = Array.from({ length }, (_, i) => keptBlocks.includes(i) || random() < 0.8)
      const copy = mirror.get({ key: source.key })
      await copy.ready()
      for (let i = 0; i < length; i++) if (held[i]) await copy.get(i, { timeout: 15_000 })
      rounds.push({ key: source.key, kept: keptBlocks })
      for (const gap of gapRanges(kept, length)) if (await copy.count(gap.start, gap.end) > 0) await copy.clear(gap.start, gap.end)
      for (const gap of gapRanges(kept, length)) expect(await copy.count(gap.start, gap.end), `round ${round}`).toBe(0)
    }
    // Only the mirror from here on: what a reader gets, the mirror's own tree proves.
    cut()
    expect(await auditDrops(mirror)).toBe(0)
    for (const [round, r] of rounds.entries()) expect(await unfetchable(mirror, r.key, r.kept), `round ${round}`).toEqual([])
  })
})
