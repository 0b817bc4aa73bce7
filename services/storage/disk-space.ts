// Free space on the card, the reserve mirrors leave alone, and a small ballast file that lets the storage
// engine open on a card that something else filled.
import fs from 'node:fs/promises'
import path from 'node:path'

const MB = 1024 * 1024
// RocksDB must be able to flush its memtables (two 8 MiB write buffers, written as a table while their log still
// exists) and compact; state files, thumbnails and the search index need room too. A full disk turns RocksDB
// read-only until a restart, so mirrors stop well short of it: 5 % of the card, at least 32 MiB (a tiny test
// disk) and at most 200 MB (on a 16 GB card 5 % would be 800 MB of media never mirrored).
const RESERVE_SHARE = 0.05
const RESERVE_MIN = 32 * MB
const RESERVE_MAX = 200 * 1000 * 1000
/**
 * Opening the store replays its write-ahead log into a table, so it cannot open with 0 bytes free: the log can
 * hold two full 8 MiB memtables (library.ts), plus a new manifest and options file. 8 MiB was seen to be too
 * little after mirroring 35 MB.
 */
export const BALLAST_BYTES = 24 * MB

export interface DiskFigures { free: number, size: number }

/** Free (for this user) and total bytes of the file system holding `dir`, or null if it cannot be read. */
export async function diskFigures (dir: string): Promise<DiskFigures | null> {
  try {
    const st = await fs.statfs(dir)
    return { free: st.bavail * st.bsize, size: st.blocks * st.bsize }
  } catch {
    return null
  }
}

/**
 * Bytes a folder's files take on the card (allocated blocks, as `du` counts them), or 0 if it cannot be read.
 * The store's real size: RocksDB keeps cleared blocks on disk until compaction, and its logs and tables come on top.
 */
export async function folderBytes (dir: string): Promise<number> {
  let total = 0
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    const file = path.join(dir, e.name)
    if (e.isDirectory()) total += await folderBytes(file)
    else total += await fs.lstat(file).then(st => st.blocks * 512, () => 0)
  }
  return total
}

/**
 * The card is full: nothing new is mirrored, and mirrors that cannot complete are stopped. Half the reserve:
 * while a drive downloads, its write-ahead log and memtables briefly take room on top of its data, and that
 * dip into the reserve is what the reserve is for.
 */
export function diskFull (free: number | null, reserve: number): boolean {
  return free !== null && free < reserve / 2
}

/** Bytes of free space mirrors never use, for a card of `size` bytes. */
export function diskReserve (size: number): number {
  return Math.min(size, Math.max(RESERVE_MIN, Math.min(RESERVE_MAX, Math.round(size * RESERVE_SHARE))))
}

/**
 * A file of BALLAST_BYTES kept in the data folder while there is room for it. When the card is full (another
 * program, the organiser's own files), deleting it gives the store the room it needs to open, so the node starts
 * and serves what it holds instead of failing (and looping under `Restart=always`).
 */
export class Ballast {
  constructor (readonly file: string) {}

  async held (): Promise<boolean> {
    return (await fs.stat(this.file).catch(() => null))?.size === BALLAST_BYTES
  }

  /** Deletes the ballast; true if there was one to give back. */
  async release (): Promise<boolean> {
    const had = await this.held()
    await fs.rm(this.file, { force: true })
    return had
  }

  /** Writes the ballast if it is missing; a card without room for it is left as it is. */
  async restore (): Promise<void> {
    if (await this.held()) return
    const tmp = this.file + '.tmp'
    try {
      await writeZeros(tmp, BALLAST_BYTES)
      await fs.rename(tmp, this.file)
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => { /* the write's own error is the one to report */ })
    }
  }
}

// The ballast must take real blocks on the card (a sparse file would reserve nothing), so it is written; one
// Buffer of all 24 MiB was garbage that a fresh node carried until V8 next collected (its idle RSS read 94 MiB
// instead of 70 for the first minutes of a first boot, bench/README.md).
const ZEROS_BYTES = 256 * 1024

async function writeZeros (file: string, bytes: number): Promise<void> {
  const zeros = Buffer.alloc(ZEROS_BYTES)
  const handle = await fs.open(file, 'w')
  try {
    for (let written = 0; written < bytes;) {
      const { bytesWritten } = await handle.write(zeros, 0, Math.min(ZEROS_BYTES, bytes - written))
      if (bytesWritten === 0) throw new Error(`no room for the ballast ${file}`)
      written += bytesWritten
    }
  } finally {
    await handle.close()
  }
}
