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
