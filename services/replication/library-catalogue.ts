// What this node tells its peers: every drive it holds whose metadata it has, and the drives it refuses.
// A drive being imported is offered at the size it will have once its folder is in: peers place drives by
// size, and one that grows under them would make them evict a drive for it and then another as it grows.
import type { Library } from '../storage/library.js'
import type { Catalogue, CatalogueEntry, NodeFigures } from './catalogue.js'

/** `node`: the disk figures the region places drives by (the mirror manager's, see MirrorManager.figures). */
export function libraryCatalogue (library: Library, node?: NodeFigures): Catalogue {
  const drives: CatalogueEntry[] = []
  for (const d of library.list()) {
    const f = d.snapshot()
    // The release drive replicates to whoever opens it by key; offering it would make it a library drive elsewhere.
    if (!f.known || d.unsized || library.isRelease(d.id)) continue
    const r = library.record(d.id)
    const keeps = d.own || r?.pinned === true || r?.followed === true
    drives.push({ key: d.id, title: d.info.title, description: d.info.description, bytes: Math.max(f.bytes, d.importing?.finalBytes ?? 0), files: f.files, version: f.version, own: d.own, keeps, complete: d.importing === null && f.localBytes >= f.bytes })
  }
  return node ? { drives, refuses: library.blockedKeys(), node } : { drives, refuses: library.blockedKeys() }
}
