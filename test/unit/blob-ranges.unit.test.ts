import { describe, it, expect } from 'vitest'
import { keptRanges, gapRanges, keptEnd } from '../../services/storage/blob-ranges.js'

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
