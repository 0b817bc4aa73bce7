// The regular files under a folder on disk, by drive path ("/a/b.jpg"): what --share and a USB export publish.
import type fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'

/** Files under `dir`, skipping any file or folder whose name `skip` refuses; unreadable folders count as empty. */
export async function walkFiles (dir: string, skip: (name: string) => boolean, prefix = '/', out = new Map<string, fs.Stats>()): Promise<Map<string, fs.Stats>> {
  let names: fs.Dirent[]
  try { names = await fsp.readdir(dir, { withFileTypes: true }) } catch { return out /* unreadable: nothing to publish from it */ }
  for (const d of names) {
    if (skip(d.name)) continue
    const full = path.join(dir, d.name)
    if (d.isDirectory()) await walkFiles(full, skip, `${prefix}${d.name}/`, out)
    else if (d.isFile()) {
      // Gone since the listing: the next scan sees what replaced it.
      const st = await fsp.lstat(full).catch(() => null)
      if (st?.isFile()) out.set(prefix + d.name, st)
    }
  }
  return out
}
