// The maintainer's side: a manifest for an app tree on disk (what image/build-app.sh makes), for the CLI's
// `release` command to publish next to the files.
import fs from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import path from 'node:path'
import { parseManifest, type ReleaseFile, type ReleaseManifest } from './release-manifest.js'
import { hashStream } from './verify-release.js'

export interface BuildManifestOptions {
  version: string
  minVersion: string
  notes?: string
}

export interface BuiltManifest {
  manifest: ReleaseManifest
  /**
   * Symbolic links found and left out: a release holds plain files only. npm's node_modules/.bin links are
   * the expected ones; nothing the node runs goes through them.
   */
  skipped: string[]
}

export async function buildManifest (dir: string, opts: BuildManifestOptions): Promise<BuiltManifest> {
  const files: ReleaseFile[] = []
  const skipped: string[] = []
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true })
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`
      if (e.isDirectory()) await walk(p)
      else if (e.isFile()) {
        const abs = path.join(dir, p)
        const stat = await fs.stat(abs)
        const { sha256, bytes } = await hashStream(createReadStream(abs), stat.size)
        if (bytes !== stat.size) throw new Error(`${abs} changed while it was being read`)
        files.push({ path: p, size: stat.size, sha256, executable: (stat.mode & 0o111) !== 0 })
      } else skipped.push(p)
    }
  }
  await walk('')
  const manifest = parseManifest({
    version: opts.version,
    minVersion: opts.minVersion,
    notes: opts.notes ?? '',
    size: files.reduce((n, f) => n + f.size, 0),
    files
  })
  return { manifest, skipped }
}
