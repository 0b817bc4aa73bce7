// What this node tells its peers: every drive it holds whose metadata it has, and the drives it refuses.
import type { Library } from '../storage/library.js'
import type { Catalogue, CatalogueEntry, NodeFigures } from './catalogue.js'

/** `node`: the disk figures the region places drives by (the mirror manager's, see MirrorManager.figures). */
export function libraryCatalogue (library: Library, node?: NodeFigures): Catalogue {
  const drives: CatalogueEntry[] = []
  for (const d of library.list()) {
    const f = d.snapshot()
    // The release drive replicates to whoever opens it by key; offering it would make it a library drive elsewhere.
    if (!f.known || library.isRelease(d.id)) continue
    const r = library.record(d.id)
    const keeps = d.own || r?.pinned === true || r?.followed === true
    drives.push({ key: d.id, title: d.info.title, description: d.info.description, bytes: f.bytes, files: f.files, version: f.version, own: d.own, keeps, complete: f.localBytes >= f.bytes })
  }
  return node ? { drives, refuses: library.blockedKeys(), node } : { drives, refuses: library.blockedKeys() }
}
