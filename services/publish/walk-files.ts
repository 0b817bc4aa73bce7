// The regular files under a folder on disk, by drive path ("/a/b.jpg"): what --share and a USB import publish.
import type fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { unstorableName, type UnstorableReason } from '../storage/drive-path.js'

export interface WalkOptions {
  /** Names that are not content at all (editor litter, the OS's stick litter): left out silently. */
  litter: (name: string) => boolean
  /**
   * A name a drive would change, or whose link could not open it (a backslash, a newline, "%2e"…): left out,
   * and told here with its drive path and the reason, so the caller can say so once.
   */
  unstorable: (drivePath: string, reason: UnstorableReason) => void
}

/** Files under `dir`; unreadable folders count as empty. */
export async function walkFiles (dir: string, opts: WalkOptions, prefix = '/', out = new Map<string, fs.Stats>()): Promise<Map<string, fs.Stats>> {
  let names: fs.Dirent[]
  try { names = await fsp.readdir(dir, { withFileTypes: true }) } catch { return out /* unreadable: nothing to publish from it */ }
  for (const d of names) {
    if (opts.litter(d.name)) continue
    const reason = unstorableName(d.name)
    if (reason) { opts.unstorable(prefix + d.name, reason); continue }
    const full = path.join(dir, d.name)
    if (d.isDirectory()) await walkFiles(full, opts, `${prefix}${d.name}/`, out)
    else if (d.isFile()) {
      // Gone since the listing: the next scan sees what replaced it.
      const st = await fsp.lstat(full).catch(() => null)
      if (st?.isFile()) out.set(prefix + d.name, st)
    }
  }
  return out
}
