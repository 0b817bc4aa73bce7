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

// Older tests import the waiting helper from here; it lives in until.ts.
export { until } from './until.js'
