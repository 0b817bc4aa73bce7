// Every file-system step of an install, behind one interface: the real one below, and in tests a wrapper that
// "loses power" at step N, to check that each half-done state is one recover() can turn back into a bootable one.
import fs from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { execFile } from 'node:child_process'
import { writeFileAtomic } from '../storage/atomic-file.js'

export interface InstallerFs {
  /** mkdir -p */
  mkdir (dir: string): Promise<void>
  /** Writes a new file from a stream, hashing as it goes (not synced: see syncFs). Stops once more than `limit` bytes came. */
  writeFile (file: string, data: AsyncIterable<Buffer | Uint8Array | string>, opts: { limit: number, mode: number }): Promise<{ bytes: number, sha256: string }>
  syncDir (dir: string): Promise<void>
  /** Flushes the whole file system holding `dir` (syncfs): every file written so far is on the card after it. */
  syncFs (dir: string): Promise<void>
  rename (from: string, to: string): Promise<void>
  symlink (target: string, link: string): Promise<void>
  /** rm -rf; no error when it is not there. */
  rm (target: string): Promise<void>
  writeFileAtomic (file: string, data: string): Promise<void>
  // Reads change nothing, so they are not steps a power cut can interrupt.
  readdir (dir: string): Promise<string[]>
  readlink (link: string): Promise<string | null>
  isDirectory (p: string): Promise<boolean>
  readFile (file: string): Promise<string | null>
}

const ifExists = <T>(p: Promise<T>, fallback: T): Promise<T> =>
  p.catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT' || err.code === 'EINVAL' || err.code === 'ENOTDIR') return fallback; throw err })

export const nodeInstallerFs: InstallerFs = {
  async mkdir (dir) { await fs.mkdir(dir, { recursive: true, mode: 0o755 }) },
  async writeFile (file, data, { limit, mode }) {
    const handle = await fs.open(file, 'wx', mode)
    const hash = createHash('sha256')
    let bytes = 0
    try {
      for await (const chunk of data) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        bytes += buf.length
        if (bytes > limit) break
        hash.update(buf)
        await handle.write(buf)
      }
      // The process umask must not decide whether bin/p2p-portal.js can be started.
      await handle.chmod(mode)
    } finally {
      await handle.close()
    }
    return { bytes, sha256: hash.digest('hex') }
  },
  async syncDir (dir) {
    const handle = await fs.open(dir, 'r')
    try { await handle.sync() } finally { await handle.close() }
  },
  syncFs: (dir) => new Promise<void>((resolve, reject) => {
    // One syncfs(2) instead of an fsync per file: a release is thousands of small files, and on an SD card each
    // fsync waits for the card (measured in bench/update: staging 6.9x a plain copy with per-file fsync).
    execFile('sync', ['-f', dir], { timeout: 300_000 }, (err) => err ? reject(err) : resolve())
  }),
  rename: (from, to) => fs.rename(from, to),
  symlink: (target, link) => fs.symlink(target, link),
  rm: (target) => fs.rm(target, { recursive: true, force: true }),
  writeFileAtomic: (file, data) => writeFileAtomic(file, data),
  readdir: (dir) => ifExists(fs.readdir(dir), []),
  readlink: (link) => ifExists(fs.readlink(link), null),
  isDirectory: (p) => ifExists(fs.stat(p).then(s => s.isDirectory()), false),
  readFile: (file) => ifExists(fs.readFile(file, 'utf8'), null)
}
