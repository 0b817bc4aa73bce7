import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

const made: string[] = []

export async function tempDir (prefix = 'p2p-portal-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix))
  made.push(dir)
  return dir
}

export async function removeTempDirs (): Promise<void> {
  await Promise.all(made.splice(0).map(d => fs.rm(d, { recursive: true, force: true })))
}

export async function until<T> (fn: () => T | Promise<T>, { timeout = 10_000, every = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v as NonNullable<T>
    } catch (err) { last = err }
    await new Promise(r => setTimeout(r, every))
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
}
