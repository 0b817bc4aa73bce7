// What this node tells its peers: every drive it holds whose metadata it has, and the drives it refuses.
import type { Library } from '../storage/library.js'
import type { Catalogue, CatalogueEntry } from './catalogue.js'

export function libraryCatalogue (library: Library): Catalogue {
  const drives: CatalogueEntry[] = []
  for (const d of library.list()) {
    const f = d.snapshot()
    // The release drive replicates to whoever opens it by key; offering it would make it a library drive elsewhere.
    if (!f.known || library.isRelease(d.id)) continue
    drives.push({ key: d.id, title: d.info.title, description: d.info.description, bytes: f.bytes, files: f.files, version: f.version, own: d.own })
  }
  return { drives, refuses: library.blockedKeys() }
}
