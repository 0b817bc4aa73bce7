import { describe, it, expect } from 'vitest'
// @ts-expect-error flat-tree (hypercore's tree arithmetic) ships no types
import flat from 'flat-tree'
import { keptRanges, gapRanges, keptEnd, safeClears } from '../../services/storage/blob-ranges.js'

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

/**
 * hypercore 11.37.1's clear(), as far as its Merkle tree goes: the tree nodes it deletes, climbing from `start`
 * with its own test (see safeClears), against the blocks held before the call.
 */
function hypercoreClear (held: boolean[], treeNodes: Set<number>, start: number, end: number): void {
  const length = held.length
  const roots = new Set(flat.fullRoots(length * 2))
  const hasSet = (s: number, n: number) => held.slice(s, s + n).some(Boolean)
  const ite = flat.iterator(start * 2)
  while (!roots.has(ite.index)) {
    const a = ite.index
    const b = ite.sibling()
    ite.parent()
    const [left, right] = flat.spans(b)
    const s = left / 2
    const e = right / 2 + 1
    const has = s <= start && e <= end ? false : hasSet(s, e - s)
    if (has) break
    treeNodes.delete(a)
    treeNodes.delete(b)
  }
  for (let i = start; i < Math.min(end, length); i++) held[i] = false
}

/** Every node a held block's proof needs: its leaf and the siblings of its ancestors up to its root. */
function provable (held: boolean[], treeNodes: Set<number>): boolean {
  const roots = new Set(flat.fullRoots(held.length * 2))
  for (let i = 0; i < held.length; i++) {
    if (!held[i]) continue
    let node = i * 2
    if (!treeNodes.has(node)) return false
    while (!roots.has(node)) {
      if (!treeNodes.has(flat.sibling(node))) return false
      node = flat.parent(node)
    }
  }
  return true
}

describe('clearing without breaking the proofs of kept blocks (hypercore 11.37 clear)', () => {
  it('the unsafe call hypercore would make breaks a kept block\'s proof: the reason for safeClears', () => {
    const held = Array(8).fill(true) as boolean[]
    const tree = new Set(Array.from({ length: 15 }, (_, i) => i))
    hypercoreClear(held, tree, 5, 6)
    expect(provable(held, tree)).toBe(false)
  })

  it('calls start at an even block whose right neighbour is held, or skip an odd block after a kept one', () => {
    const held = [true, true, true, true, true, true, true, true]
    // Kept: 0–2 and 6–7. Gap 3–5: block 3 (odd, after kept 2) waits; 4–5 clear.
    expect(safeClears(i => held[i], 3, 6, 8)).toEqual([{ start: 4, end: 6 }])
    // Gap 2–5: one call.
    expect(safeClears(i => held[i], 2, 6, 8)).toEqual([{ start: 2, end: 6 }])
    // A gap starting at an odd block whose left neighbour is in the gap and not held: the call starts there.
    held[2] = false
    expect(safeClears(i => held[i], 2, 6, 8)).toEqual([{ start: 2, end: 6 }])
    // The core's last block when the length is odd is a root: clearable alone.
    expect(safeClears(() => true, 4, 5, 5)).toEqual([{ start: 4, end: 5 }])
  })

  it('keep every kept block provable, for any layout of held blocks and gaps (randomised)', () => {
    let seed = 7
    const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
    for (let round = 0; round < 400; round++) {
      const length = 2 + Math.floor(random() * 60)
      const held = Array.from({ length }, () => random() < 0.8)
      const tree = new Set<number>()
      for (let i = 0; i < length * 2 - 1; i++) tree.add(i)
      const files = [] as Array<{ blockOffset: number, blockLength: number }>
      for (let i = 0; i < length;) {
        const n = 1 + Math.floor(random() * 4)
        if (random() < 0.4) files.push({ blockOffset: i, blockLength: Math.min(n, length - i) })
        i += n
      }
      const kept = keptRanges(files)
      for (const r of kept) for (let i = r.start; i < r.end; i++) held[i] = true
      for (const gap of gapRanges(kept, length)) {
        for (const call of safeClears(i => held[i], gap.start, gap.end, length)) hypercoreClear(held, tree, call.start, call.end)
      }
      expect(provable(held, tree), `round ${round}`).toBe(true)
      for (const r of kept) for (let i = r.start; i < r.end; i++) expect(held[i]).toBe(true)
    }
  })
})
