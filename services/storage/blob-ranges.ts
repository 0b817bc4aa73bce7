// Which blocks of a drive's blobs core the latest version still needs, and which it does not. Every version of a
// Hyperdrive appends its files' blocks to the same blobs core, so after re-imports most of the core belongs to
// superseded versions: those gaps are what a reclaim clears.

/** Blocks [start, end) of a hypercore. */
export interface BlockRange { start: number, end: number }

/** The part of a Hyperdrive entry's value that says where its bytes are (hyperblobs' id). */
export interface BlobBlocks { blockOffset: number, blockLength: number }

/** The blocks the given files need, sorted and merged (overlapping or touching ranges become one). */
export function keptRanges (blobs: Iterable<BlobBlocks>): BlockRange[] {
  const ranges: BlockRange[] = []
  for (const b of blobs) {
    if (!(b.blockLength > 0)) continue
    ranges.push({ start: b.blockOffset, end: b.blockOffset + b.blockLength })
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end)
  const merged: BlockRange[] = []
  for (const r of ranges) {
    const last = merged[merged.length - 1]
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end)
    else merged.push({ ...r })
  }
  return merged
}

/** The blocks of [0, limit) that no kept range covers: what may be cleared. `kept` as keptRanges() gives it. */
export function gapRanges (kept: readonly BlockRange[], limit: number): BlockRange[] {
  const gaps: BlockRange[] = []
  let pos = 0
  for (const r of kept) {
    if (pos >= limit) break
    if (r.start > pos) gaps.push({ start: pos, end: Math.min(r.start, limit) })
    pos = Math.max(pos, r.end)
  }
  if (pos < limit) gaps.push({ start: pos, end: limit })
  return gaps
}

/** The first block after every kept range: on a mirror, blocks from there on may belong to a version still arriving. */
export function keptEnd (kept: readonly BlockRange[]): number {
  return kept.length ? kept[kept.length - 1].end : 0
}

/**
 * The clear() calls that free the held blocks of [start, end) without harming any other block. hypercore 11.37's
 * clear(a, b) also deletes Merkle tree nodes it believes no held block needs, climbing from block a; but its test
 * takes the left neighbour of a block at an odd index for such a node (`s <= start` where `s >= start` is meant;
 * fixed in hypercore 11.39), and a held block whose tree node is gone can no longer be proven to peers: mirrors
 * cannot fetch it, and an audit drops it. The climb stops at once when a is even and block a + 1 is held when the
 * call starts (or when block a is the core's last, odd-numbered one: a root), so every call here starts that way.
 * A held block at an odd index right after a block that must stay is left for a later reclaim, when its
 * neighbour is superseded too.
 */
export function safeClears (has: (block: number) => boolean, start: number, end: number, length: number): BlockRange[] {
  const calls: BlockRange[] = []
  const stop = Math.min(end, length)
  let i = start
  while (i < stop) {
    if (!has(i)) { i++; continue }
    let runEnd = i
    while (runEnd < stop && has(runEnd)) runEnd++
    // From an even block: the one before an odd run start is free to clear too (not held, inside the range).
    let from = i
    if (from % 2 === 1) from = from - 1 >= start ? from - 1 : from + 1
    if (from < runEnd) {
      const next = from + 1
      const stopsAtOnce = next < runEnd || (next < length && has(next)) || (next === length && length % 2 === 1)
      if (stopsAtOnce) calls.push({ start: from, end: runEnd })
    }
    i = runEnd
  }
  return calls
}
