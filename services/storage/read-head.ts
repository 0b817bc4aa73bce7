// The first bytes of a drive file, never more than `max` in memory; null when its blocks are not here.
import type Hyperdrive from 'hyperdrive'

const BLOCK_WAIT_MS = 5_000

export async function readHead (drive: Hyperdrive, name: string, size: number, max: number, timeout = BLOCK_WAIT_MS): Promise<Buffer | null> {
  if (size === 0) return Buffer.alloc(0)
  const end = Math.min(size, max) - 1
  const chunks: Buffer[] = []
  try {
    for await (const chunk of drive.createReadStream(name, { start: 0, end, timeout, wait: timeout > 0 }) as AsyncIterable<Buffer>) chunks.push(chunk)
  } catch {
    return null
  }
  return Buffer.concat(chunks).subarray(0, end + 1)
}
