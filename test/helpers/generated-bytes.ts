import crypto from 'node:crypto'
import { Readable } from 'node:stream'

/** `bytes` of pseudo-random data made on the fly, in odd-sized chunks, with its SHA-256 when done. */
export function generated (bytes: number): { stream: Readable, digest: Promise<string> } {
  const hash = crypto.createHash('sha256')
  let left = bytes
  let seed = crypto.randomBytes(64 * 1024 + 7)
  let resolveDigest!: (d: string) => void
  const digest = new Promise<string>((resolve) => { resolveDigest = resolve })
  const stream = new Readable({
    read () {
      if (left === 0) { resolveDigest(hash.digest('hex')); this.push(null); return }
      seed = Buffer.from(seed) // a fresh buffer per chunk, like a socket would give
      seed[0] = left & 0xff
      const chunk = seed.subarray(0, Math.min(left, seed.length))
      left -= chunk.length
      hash.update(chunk)
      this.push(chunk)
    }
  })
  return { stream, digest }
}
