// Asks V8 for a full collection after every 16 MiB of file blocks the node writes (uploads, --share) or sends to a
// peer, and once blocks stop moving. A Buffer's memory lives outside V8's heap and is freed only when V8 collects the
// Buffer. Blocks that lived through a hypercore batch or a peer's request are in V8's old generation by then, which a
// node's small heap (10-20 MiB) rarely collects; V8 collects it for memory outside the heap only once that has grown
// by 64 MiB. A heap snapshot at the peak of a 300 MB write found 9 MiB of live Buffers and ≈ 45 MiB of dead ones
// (bench/README.md, "Memory and start, second pass"). The collections cost ≈ 4 % of the CPU of such a write.
//
// Between those, a young-generation collection after every 512 KiB of small chunks copied into blocks. node:http
// copies each socket read of an upload's body into a Buffer of its own (20-44 KiB seen on loopback), garbage once
// copied into a block but freed only when V8 next collects. Such Buffers (below SMALL_CHUNK_BYTES) come from
// malloc's main arena, which grew to 35-42 MiB during a 300 MB upload; glibc gives freed memory
// back only from the arena's top, so ≈ 30 MiB stayed in RSS after it (malloc_trim(0), called from gdb, gave them
// back: bench/README.md, "Upload residue"). Collected this often, they reuse the same few MiB of the arena.
// Works only where Node runs with --expose-gc (bin/p2p-portal.js's #! line); elsewhere (in-process tests) it is idle.
//
// Once a piece of work has ended and been collected, what its small Buffers and RocksDB's small allocations freed
// is still malloc's: glibc gives back only an arena's top, and the rest stayed in RSS for good (5.7 MiB after a
// 5,000-file mirror, bench/README.md, "What a 5,000-file mirror leaves"). malloc_trim(0) gives it back once the
// node has been quiet for QUIET_MS after such a collection: not while work runs (the pages would only be faulted in
// again), and not at the collection itself, which a mirror asks for as it completes, before its last memtable flush
// and file count.
import { mallocTrim } from './malloc-trim.js'

const MiB = 1024 * 1024
/**
 * A socket read of a request body is at most 64 KiB (node:http): chunks below this are an upload's body as read,
 * many per block and dead once copied into it. Larger chunks (a --share or USB file read 512 KiB at a time) are
 * about one per block, and the full collection after every COLLECT_EVERY_BYTES of blocks bounds them. Both are in
 * malloc's arena under bin/p2p-portal.js's 1 MiB MALLOC_MMAP_THRESHOLD_.
 */
export const SMALL_CHUNK_BYTES = 64 * 1024
/** A full collection after this many bytes of blocks: at most this much dead block memory waits for V8. */
const COLLECT_EVERY_BYTES = 16 * MiB
/** A young-generation collection after this many bytes of small chunks copied into blocks. */
const SCAVENGE_EVERY_BYTES = 512 * 1024
/** Work that ends having moved less than this leaves too little behind to be worth a collection. */
const SETTLE_MIN_BYTES = 4 * MiB
/** Blocks stopped moving this long ago: the work has ended (an upload, a mirror, a peer catching up). */
const QUIET_MS = 5_000

/**
 * V8's two collections: `full` (the whole heap, ≈ 10-20 ms here) and `young` (new objects only, 1-2 ms measured during
 * an upload); and `trim`, malloc_trim(0) where the addon is built (a few ms, services/storage/malloc-trim.ts).
 */
export interface Collectors { full: () => void, young: () => void, trim?: () => void }

export class GarbagePacer {
  private moved = 0
  private young = 0
  private lastNote = 0
  private quietTimer: NodeJS.Timeout | null = null
  private trimDue = false

  constructor (private readonly collect: Collectors | null = exposedGc(), private readonly quietMs = QUIET_MS) {}

  /** `bytes` of blocks went through this node (written or sent). */
  note (bytes: number): void {
    this.noteQuietly(bytes)
    if (this.collect === null || this.moved < COLLECT_EVERY_BYTES) return
    // A write that ends on one of these collections (a --share import of 256 MiB is 16 of them) leaves too little
    // for the settling collection, but the collection it ended on freed as much: given back once quiet all the same.
    this.collectFull()
  }

  /**
   * `bytes` of a stream's small chunks (SMALL_CHUNK_BYTES) were copied into blocks (an upload's body as node:http
   * reads it): they are garbage now, and in malloc's arena until V8 collects them. The 512 KiB chunks of --share and
   * USB files, and the blocks sent to peers, are counted by note() instead.
   */
  noteSmallChunks (bytes: number): void {
    if (this.collect === null) return
    this.young += bytes
    if (this.young < SCAVENGE_EVERY_BYTES) return
    this.young = 0
    this.collect.young()
  }

  /**
   * Blocks received from a peer: collected once the transfer goes quiet, not paced. A 256 MiB mirror peaked at
   * 146-153 MiB with or without pacing (bench/README.md), and a mirror's CPU per MiB is what issue 13 item 3 needs.
   */
  noteQuietly (bytes: number): void {
    if (this.collect === null) return
    this.moved += bytes
    this.lastNote = Date.now()
    // What the last blocks of a transfer left would otherwise stay until V8 next collects, minutes later on an idle node.
    this.armQuietTimer()
  }

  /** A large write ended: what it left is collected now, not whenever V8 next collects the heap, and given back. */
  settle (): void {
    if (this.collectWhatWorkLeft()) this.armQuietTimer()
  }

  close (): void {
    if (this.quietTimer) clearTimeout(this.quietTimer)
    this.quietTimer = null
  }

  /** The full collection after a piece of work; true if a trim is now due (once quiet). */
  private collectWhatWorkLeft (): boolean {
    if (this.collect === null || this.moved < SETTLE_MIN_BYTES) return false
    this.collectFull()
    return this.trimDue
  }

  /** A full collection; what it freed is given back (a trim) once the node is quiet. */
  private collectFull (): void {
    this.moved = 0
    this.young = 0
    this.collect?.full()
    if (this.collect?.trim !== undefined) this.trimDue = true
  }

  private armQuietTimer (): void {
    this.quietTimer ??= setTimeout(() => this.onQuiet(), this.quietMs).unref()
  }

  private onQuiet (): void {
    this.quietTimer = null
    const since = Date.now() - this.lastNote
    if (since < this.quietMs) { this.quietTimer = setTimeout(() => this.onQuiet(), this.quietMs - since).unref(); return }
    // Already quiet: the trim follows this collection at once, with no timer of its own.
    this.collectWhatWorkLeft()
    if (!this.trimDue) return
    this.trimDue = false
    this.collect?.trim?.()
  }
}

function exposedGc (): Collectors | null {
  const gc = (globalThis as { gc?: (opts?: { type: 'major' | 'minor' }) => void }).gc
  return typeof gc === 'function' ? { full: () => gc(), young: () => gc({ type: 'minor' }), trim: () => { mallocTrim()?.() } } : null
}
