// A small real file system (tmpfs) for full-disk tests: mounted as root, the pid in its name so a later run can
// unmount what a killed run left behind.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './temp-dir.js'

export const canMount = (): boolean => process.getuid?.() === 0

function sweepStale (): void {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map(l => l.split(' ')[1]).filter(Boolean)
  for (const m of mounts) {
    const pid = Number(/\/p2p-small-disk-(\d+)-/.exec(m)?.[1])
    if (!pid || pid === process.pid) continue
    try { process.kill(pid, 0); continue } catch { /* its owner is gone: sweep it */ }
    try { execFileSync('umount', ['-l', m]); fs.rmSync(m, { recursive: true, force: true }) } catch { /* already gone */ }
  }
}

export interface SmallDisk {
  dir: string
  free (): number
  /** Writes a file of `bytes` (or until the disk is full) at the disk's root, outside any node's data. */
  fill (name: string, bytes?: number): void
  unmount (): void
}

export async function mountSmallDisk (size: string): Promise<SmallDisk> {
  sweepStale()
  const dir = await tempDir(`p2p-small-disk-${process.pid}-`)
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
  return {
    dir,
    free: () => { const st = fs.statfsSync(dir); return st.bavail * st.bsize },
    fill (name, bytes = Infinity) {
      const fd = fs.openSync(path.join(dir, name), 'w')
      const chunk = Buffer.alloc(1024 * 1024, 1)
      try {
        for (let left = bytes; left > 0; left -= chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
      } finally {
        fs.closeSync(fd)
      }
    },
    unmount () { execFileSync('umount', ['-l', dir]) }
  }
}
