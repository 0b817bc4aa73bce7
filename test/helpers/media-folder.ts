// Folders of generated media for publishing tests, with their hashes to check copies against.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './temp-dir.js'

export interface MediaFolder { dir: string, files: Map<string, string> }

export async function makeMediaFolder ({ small = 200, smallBytes = 10 * 1024, big = 0, name = 'festival' } = {}): Promise<MediaFolder> {
  const dir = path.join(await tempDir('p2p-media-'), name)
  const files = new Map<string, string>()
  fs.mkdirSync(path.join(dir, 'photos'), { recursive: true })
  for (let i = 0; i < small; i++) {
    const rel = `/photos/img-${String(i).padStart(4, '0')}.jpg`
    const buf = crypto.randomBytes(smallBytes)
    fs.writeFileSync(path.join(dir, rel), buf)
    files.set(rel, sha256(buf))
  }
  if (big > 0) {
    const rel = '/video/talk.mp4'
    fs.mkdirSync(path.join(dir, 'video'), { recursive: true })
    const fd = fs.openSync(path.join(dir, rel), 'w')
    const hash = crypto.createHash('sha256')
    for (let left = big; left > 0;) {
      const chunk = crypto.randomBytes(Math.min(left, 4 << 20))
      fs.writeSync(fd, chunk)
      hash.update(chunk)
      left -= chunk.length
    }
    fs.closeSync(fd)
    files.set(rel, hash.digest('hex'))
  }
  return { dir, files }
}

export function sha256 (buf: Buffer | string): string {
  return crypto.createHash('sha256').update(buf).digest('hex')
}
