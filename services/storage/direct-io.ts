// Whether the data folder's file system takes O_DIRECT, so RocksDB can write its flushes and compactions past
// the page cache.
import fs from 'node:fs/promises'
import { constants } from 'node:fs'
import path from 'node:path'

/**
 * True when a file in `dir` opens with O_DIRECT (ext4, f2fs, xfs, btrfs do; some FUSE and network file systems
 * and older tmpfs refuse it with EINVAL). RocksDB set to direct writes on such a file system would fail its
 * first flush and turn read-only, so the node asks first. False off Linux, where there is no O_DIRECT.
 */
export async function directIoWorks (dir: string): Promise<boolean> {
  const O_DIRECT = constants.O_DIRECT as number | undefined
  if (!O_DIRECT) return false
  const probe = path.join(dir, `.direct-io-probe-${process.pid}`)
  try {
    const handle = await fs.open(probe, constants.O_CREAT | constants.O_WRONLY | O_DIRECT, 0o600)
    await handle.close()
    return true
  } catch {
    return false
  } finally {
    await fs.rm(probe, { force: true }).catch(() => { /* a probe left behind is an empty file; the next start removes it */ })
  }
}
