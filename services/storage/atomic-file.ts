// State files survive a power cut: write a temp file, fsync it, rename over the old one, fsync the folder.
// A reader sees either the old or the new content, never a torn file.
import fs from 'node:fs/promises'
import path from 'node:path'

export async function writeFileAtomic (file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  const handle = await fs.open(tmp, 'w', 0o600)
  try {
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(tmp, file)
  } catch (err) {
    // A full disk leaves a torn temp file: remove it, it only holds space.
    await fs.rm(tmp, { force: true }).catch(() => { /* the write's own error is the one to report */ })
    throw err
  }
  const dir = await fs.open(path.dirname(file), 'r')
  try { await dir.sync() } finally { await dir.close() }
}

export async function readJson<T> (file: string, fallback: T): Promise<T> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback
    throw err
  }
  return JSON.parse(text) as T
}
