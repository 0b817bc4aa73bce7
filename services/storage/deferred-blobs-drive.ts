// A mirrored drive whose file-data core opens when something first needs it, not when the drive opens.
//
// Hyperdrive 13 opens both of a drive's cores in ready(): the file tree (a Hyperbee on the drive's own core) and
// the file bytes (the blobs core, whose key is in the tree's header). Opening a core reads its header, tree roots
// and bitfield pages from RocksDB and builds its bitfield in memory. On a node holding 100 mirrored drives the
// blobs cores were ~100 ms of an ~820 ms start (bench/README.md, "Start, fifth pass"), and nothing before
// READY=1 needs them: the library shows each drive's last count until it counts it again, and a peer that asks
// for a blobs core this node holds gets it opened by corestore on the spot (Corestore._attachMaybe).
// So a drive made with `deferBlobs` opens its blobs core on the first getBlobs() — a file read, a count, the
// mirror's download — and the library opens them all right after the node is ready (Library.finishOpening).
// Everything else is Hyperdrive's own code: its reads and writes already ask getBlobs() first, and a drive whose
// header had not arrived yet was already in this state (blobs null, opened when the header comes).
// The library now leaves such a drive's file tree for after READY=1 too (LibraryDrive.hyperdrive): this class still
// lets a drive opened early (a visitor listing it, a search) open its tree without its file bytes.
import { Hyperdrive } from '../holepunch-modules.js'
import { logger } from '../log.js'

const log = logger('drive')

/** The parts of Hyperdrive 13 this relies on (index.js: _open, _openBlobsFromHeader, getBlobs, purge). */
interface HyperdriveInternals {
  _openingBlobs: Promise<boolean> | null
  _openBlobsFromHeader (opts?: { wait?: boolean }): Promise<boolean>
}

/** Whether this Hyperdrive has what deferring needs; another version opens its blobs core as it always did. */
const BLOBS_CAN_WAIT = typeof (Hyperdrive.prototype as unknown as HyperdriveInternals)._openBlobsFromHeader === 'function'
let toldCannotWait = false

export class DeferredBlobsDrive extends Hyperdrive {
  private readonly deferBlobs: boolean
  private openingHere: Promise<boolean> | null = null

  constructor (store: unknown, key: Buffer | null, opts: { deferBlobs?: boolean } = {}) {
    super(store, key)
    this.deferBlobs = !!opts.deferBlobs && BLOBS_CAN_WAIT
    if (opts.deferBlobs && !BLOBS_CAN_WAIT && !toldCannotWait) {
      toldCannotWait = true
      log.warn('this Hyperdrive has no _openBlobsFromHeader: mirrored drives open their file data during start (slower start, nothing lost)')
    }
  }

  private get internals (): HyperdriveInternals { return this as unknown as HyperdriveInternals }

  override async _open (): Promise<void> {
    // Hyperdrive's constructor calls ready(), so this starts before this class's constructor has set deferBlobs.
    await null
    if (!this.deferBlobs) return await super._open()
    await this.db.ready()
    // Writable after all (this node holds the key pair): Hyperdrive may have to create the blobs core now.
    if (this.db.core.writable) await super._open()
  }

  override async getBlobs (): Promise<any> {
    if (!this.deferBlobs || this.blobs) return await super.getBlobs()
    if (!await this.openBlobsHere() && this.internals._openingBlobs === null && !this.closing) {
      // The header is not here yet: opened when a peer sends it, as Hyperdrive does for a drive just added.
      const opening = this.internals._openingBlobs = this.internals._openBlobsFromHeader()
      opening.catch(() => { /* the drive closed first: getBlobs() callers see null, as with Hyperdrive's own */ })
    }
    return await super.getBlobs()
  }

  /**
   * Opens the blobs core if the header that names it is here, without waiting for any peer. True once it is open;
   * false while the header has not arrived (an open that waits for it may then be under way).
   */
  async openBlobsHere (): Promise<boolean> {
    await this.ready()
    if (this.blobs) return true
    // One open at a time: two would each make a blobs core, and the drive would keep only the second.
    if (this.internals._openingBlobs !== null) return false
    this.openingHere ??= this.internals._openBlobsFromHeader({ wait: false })
      .catch(() => false)
      .finally(() => { this.openingHere = null })
    await this.openingHere
    return this.blobs !== null
  }

  // Hyperdrive purges the blobs core only if it is open: a drive never read since the start would leave its file
  // bytes on the card.
  override async purge (): Promise<void> {
    if (this.deferBlobs) await this.openBlobsHere()
    await super.purge()
  }
}
