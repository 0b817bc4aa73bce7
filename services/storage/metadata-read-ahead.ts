// Listing a whole drive reads almost every block of its metadata core (a Hyperbee: one block per entry, holding
// the entry and the tree nodes rewritten by its put), one at a time, in key order, which is no order of the blocks
// (a drive imported folder by folder reads 5000 31 70 4970 3365 164 …). Each read is one RocksDB read batch: a
// hand-off to libuv's thread pool and back. Listing 5,000 entries took 730–770 ms here; the same 5,001 blocks read in
// batches of 1,024 took 50 ms. A mirror counts a drive that way each time a version arrives, after a sync, so on
// 5,000 small files the count was 1.5 s of a 6.5 s mirror (bench/README.md, "CPU per mirrored MiB, sixth pass").
//
// So a whole listing of a checkout reads its metadata blocks ahead, in order, in batches, and hands them to the
// checkout's reads as they ask. Only a checkout (a snapshot session: its own session state over a RocksDB snapshot)
// gets it: its blocks cannot change under it, and no other session reads through it. What is read ahead is bounded
// in bytes; a read past the bound, or of a block that was not there when read ahead, reads as before.
//
// Written for hypercore 11.39.5 (package.json pins it): a session's get() reads through `state.readBlock(index)`,
// and `state.storage.read()` makes a read batch. With another hypercore lacking either, a listing reads as before.
// Upstream, Hyperbee (or hypercore) reading a range of blocks in one batch would replace it.
import type { Hyperdrive } from '../holepunch-modules.js'

/** At most this many bytes of metadata blocks are held read ahead and not yet asked for. */
export const READ_AHEAD_BYTES = 4 * 1024 * 1024
/** Blocks per read batch. */
export const READ_AHEAD_BATCH = 1024

type Block = Uint8Array | null
interface ReadBatch { getBlock (index: number): Promise<Block>, tryFlush (): void }
interface SessionState { readBlock (index: number): Promise<Block>, storage: { read (): ReadBatch } }
interface SnapshotSession { snapshotted: boolean, length: number, byteLength: number, state: SessionState | null }

function readsAsBefore (): void { /* nothing was changed, nothing to put back */ }

/** What a read-ahead did, for its spec and the bench. */
export interface ReadAheadFigures { batches: number, readAhead: number, served: number, mostHeld?: number }

/**
 * Every entry of `snap` (a drive checkout) under `folder`, recursively, from local blocks only (`wait: false`),
 * in the order Hyperdrive lists them, its metadata blocks read ahead. Stops reading ahead when the iteration
 * ends, early or not.
 */
export async function * listCheckout (snap: Hyperdrive, folder = '/', figures?: ReadAheadFigures): AsyncGenerator<any> {
  await snap.ready()
  const stop = readAhead((snap as any).db?.core, READ_AHEAD_BYTES, figures)
  try {
    yield * snap.list(folder, { recursive: true, wait: false })
  } finally {
    stop()
  }
}

/**
 * Serves `core`'s block reads from blocks read ahead in batches, holding at most `maxBytes` of them not yet asked
 * for. Returns what puts its reads back as they were. Does nothing (and returns a no-op) for a session that is not
 * a snapshot, or whose reads this does not know.
 */
export function readAhead (core: SnapshotSession | undefined, maxBytes = READ_AHEAD_BYTES, figures: ReadAheadFigures = { batches: 0, readAhead: 0, served: 0 }): () => void {
  const state = core?.state
  if (core?.snapshotted !== true || !state || typeof state.readBlock !== 'function' || typeof state.storage?.read !== 'function') return readsAsBefore
  // Already reading ahead (two listings of one checkout at once): the first one's stays.
  if (Object.prototype.hasOwnProperty.call(state, 'readBlock')) return readsAsBefore
  const length = core.length
  // Block 0 is Hyperbee's header, read when the checkout opened. The bound counts blocks of the core's average size.
  const average = length > 1 ? Math.max(1, core.byteLength / length) : 1
  const limit = Math.max(1, Math.floor(maxBytes / average))
  const batch = Math.max(1, Math.min(READ_AHEAD_BATCH, Math.floor(limit / 4)))
  const ahead = new Map<number, Promise<Block>>()
  const read = state.readBlock
  let next = 1
  let asked = 0

  const readBatch = (): void => {
    const rx = state.storage.read()
    const from = next
    const end = Math.min(length, next + batch)
    for (; next < end; next++) {
      const block = rx.getBlock(next)
      block.catch(() => { /* asked for, it is read again below and its error surfaces there */ })
      ahead.set(next, block)
    }
    rx.tryFlush()
    figures.batches++
    figures.readAhead += end - from
    figures.mostHeld = Math.max(figures.mostHeld ?? 0, ahead.size)
  }

  const own = function (this: SessionState, index: number): Promise<Block> {
    // A core larger than the bound is read ahead as a window that moves on one batch per batch of reads asked for,
    // dropping the blocks it read first: a tree is read in no order of its blocks, and blocks of replaced or removed
    // entries are never asked for, so waiting for the window to empty would stop it for good.
    if (++asked % batch === 0 && next < length) {
      for (const oldest of ahead.keys()) { if (ahead.size + batch <= limit) break; ahead.delete(oldest) }
      readBatch()
    }
    const block = ahead.get(index)
    if (block === undefined) return read.call(state, index)
    ahead.delete(index)
    figures.served++
    // A block not here when it was read ahead may have arrived since: it is read again.
    return block.then(b => b ?? read.call(state, index), () => read.call(state, index))
  }
  state.readBlock = own
  while (next < length && ahead.size + batch <= limit) readBatch()

  return () => {
    if (state.readBlock === own) delete (state as Partial<SessionState>).readBlock
    ahead.clear()
  }
}
