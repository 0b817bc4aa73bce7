// How hypercore writes the blocks it receives, changed in two ways for the mirror's CPU (issue 13 item 3).
//
// Hypercore 11 verifies each block a peer sends, then commits it to RocksDB in one write batch with its tree
// nodes and bitfield bits. Blocks verified while a batch is being written wait and are committed together in the
// next one; during a 256 MiB mirror that was ~16 blocks of 512 KiB per batch (8.5 MiB). rocksdb-native builds
// each batch as a rocksdb::WriteBatch, a std::string appended to and grown by doubling, with no room reserved: an
// 8.5 MiB batch passes through buffers of 0.5, 1, 2, 4, 8 and 16 MiB, each a fresh mapping (glibc's mmap threshold
// was 64 KiB on a node then; 1 MiB now, bin/p2p-portal.js) whose pages fault in as the last one is copied into it.
// Page-fault profiles of a mirror put half of all its page faults there (bench/README.md, "CPU per mirrored MiB,
// fourth pass"), and page faults were the largest single cost in the CPU profile.
//
// So, with everything else as hypercore 11.39.5 does it:
// - a batch takes blocks only until it holds GROUP_BYTES; blocks verified after that wait for the next batch
//   (batches still commit one at a time, in order: the session's mutex is first come, first served);
// - a batch's blocks are put after its tree nodes and bitfield pages, so the string grows once, to the size of
//   the block, instead of being doubled again by the small entries put after it.
// Every block is still verified against the signed tree before it is written, and each batch still writes a
// block together with its tree nodes and bitfield bits, atomically: a power cut leaves no block without its bit.
//
// What would replace this upstream: hypercore bounding the bytes of a shared verify batch and putting blocks
// last, or rocksdb-native reserving a batch's size (`WriteBatch(reserved_bytes)`) before its puts.
import { createRequire } from 'node:module'
import { logger } from './log.js'

const log = logger('storage')

/** The only hypercore this was written for (package.json pins it); another keeps hypercore's own code. */
export const PATCHED_HYPERCORE_VERSION = '11.39.5'
/** A batch takes no more blocks once it holds this many bytes of them: one 512 KiB block, or a few dozen small ones. */
export const GROUP_BYTES = 256 * 1024

interface Op { batch: { commitable (): boolean, commit (tx: unknown): void, upgraded: boolean, length: number, downgrade (): Promise<void> }, bitfield: { drop: boolean, start: number, length: number } | null, value: Uint8Array | null, manifest: unknown, from: unknown }
interface Group { ops: Array<Op | null>, bytes: number, done: Promise<void> }
interface Mutex { lock (): Promise<void>, unlock (): void }
interface Tx { putBlock (index: number, value: Uint8Array | null): void }
interface CoreInternals {
  state: { fork: number, length: number, mutex: Mutex, createWriteBatch (): Tx, flush (): Promise<boolean>, _clearActiveBatch (): void }
  header: { key: Uint8Array, manifest: unknown }
  discoveryKey: Uint8Array
  bitfield: unknown
  hintsChanged: boolean
  replicator: { onhave (start: number, length: number, drop: boolean): void }
  _verifyExclusive (op: Op): Promise<boolean>
  _setManifest (tx: Tx, manifest: unknown, keyPair: null): void
  _setBitfieldRanges (start: number, end: number, value: boolean): void
  updateContiguousLength (bitfield: NonNullable<Op['bitfield']>): void
  flushHints (): Promise<void>
  /** The batch still taking blocks, if any (added here). */
  _blockGroup?: Group | null
}

let applied: boolean | null = null

/** Whether patchBlockWrites has changed hypercore in this process (null: not asked yet). */
export function blockWritesPatched (): boolean | null { return applied }

/**
 * Changes hypercore's Core (from `hypercoreMain`, hypercore's resolved entry) as described above, once per process.
 * Returns whether it did: false for any other hypercore version, or one whose parts this relies on are missing.
 */
export function patchBlockWrites (hypercoreMain: string): boolean {
  if (applied !== null) return applied
  const req = createRequire(hypercoreMain)
  const version = (req('./package.json') as { version: string }).version
  const Core = req('./lib/core.js') as { prototype: Record<string, unknown> }
  const needed = ['verify', '_verifyExclusive', '_setManifest', '_setBitfieldRanges', 'updateContiguousLength', 'flushHints']
  if (version !== PATCHED_HYPERCORE_VERSION || needed.some(name => typeof Core.prototype[name] !== 'function')) {
    log.warn(`hypercore ${version}: its block writes are left as they are (the change in hypercore-block-writes.ts is for ${PATCHED_HYPERCORE_VERSION})`)
    return (applied = false)
  }
  const { MerkleTree } = req('./lib/merkle-tree.js') as { MerkleTree: { verify (state: unknown, proof: unknown): Promise<Op['batch']> } }
  const BitInterlude = req('./lib/bit-interlude.js') as new () => { setRange (start: number, end: number, value: boolean): void, flush (tx: Tx, bitfield: unknown): Array<{ start: number, end: number, value: boolean }> }
  const Verifier = req('./lib/verifier.js') as { isValidManifest (key: Uint8Array, manifest: unknown): boolean }
  const { INVALID_CHECKSUM } = req('hypercore-errors') as { INVALID_CHECKSUM (message: string, discoveryKey: Uint8Array): Error }

  /** hypercore's Core.verify, but joining a batch only while it holds less than GROUP_BYTES. */
  async function verify (this: CoreInternals, proof: { fork: number, block?: { index: number, value: Uint8Array } | null, manifest?: unknown }, from: unknown): Promise<boolean> {
    if (proof.fork !== this.state.fork) return false
    const batch = await MerkleTree.verify(this.state, proof)
    if (batch.upgraded && batch.length <= this.state.length) await batch.downgrade()
    if (!batch.commitable()) return false
    const value = proof.block?.value ?? null
    const op: Op = { batch, bitfield: value && { drop: false, start: proof.block!.index, length: 1 }, value, manifest: proof.manifest, from }
    if (batch.upgraded) return await this._verifyExclusive(op)

    let group = this._blockGroup ?? null
    if (group === null || group.bytes >= GROUP_BYTES) {
      const fresh: Group = { ops: [], bytes: 0, done: Promise.resolve() }
      // Asks for the mutex now, as hypercore does: batches commit in the order they were opened.
      fresh.done = commit.call(this, fresh)
      this._blockGroup = group = fresh
    }
    const i = group.ops.push(op) - 1
    group.bytes += value?.byteLength ?? 0
    await group.done
    return group.ops[i] !== null
  }

  /** hypercore's Core._verifyShared for one group, with the blocks put last. */
  async function commit (this: CoreInternals, group: Group): Promise<void> {
    await this.state.mutex.lock()
    if (this._blockGroup === group) this._blockGroup = null
    const verifies = group.ops
    const tx = this.state.createWriteBatch()
    try {
      const bits = new BitInterlude()
      for (let i = 0; i < verifies.length; i++) {
        const { batch, bitfield, manifest } = verifies[i]!
        if (!batch.commitable()) {
          verifies[i] = null
          continue
        }
        if (bitfield) bits.setRange(bitfield.start, bitfield.start + 1, true)
        if (manifest && this.header.manifest === null) {
          if (!Verifier.isValidManifest(this.header.key, manifest)) throw INVALID_CHECKSUM('Manifest hash does not match', this.discoveryKey)
          this._setManifest(tx, manifest, null)
        }
        batch.commit(tx)
      }
      const ranges = bits.flush(tx, this.bitfield)
      for (const op of verifies) if (op?.bitfield) tx.putBlock(op.bitfield.start, op.value)
      await this.state.flush()
      for (const { start, end, value } of ranges) this._setBitfieldRanges(start, end, value)
      for (const op of verifies) {
        if (!op?.bitfield) continue
        this.updateContiguousLength(op.bitfield)
        this.replicator.onhave(op.bitfield.start, op.bitfield.length, op.bitfield.drop)
      }
      if (this.hintsChanged) await this.flushHints()
    } finally {
      this.state._clearActiveBatch()
      this.state.mutex.unlock()
    }
  }

  Core.prototype.verify = verify
  return (applied = true)
}
