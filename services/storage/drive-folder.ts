// One folder of a drive as the visitor sees it: folders first, then files, the node's own metadata hidden.
import type { LibraryDrive } from './library-drive.js'
import { isHidden } from './library-drive.js'

export interface FolderItem { name: string, path: string, folder: boolean, size: number }

export const MAX_ITEMS = 1000

/** `folder` is "/" or "/a/b". Returns null when no such folder (nothing under it). */
export async function readFolder (d: LibraryDrive, folder: string): Promise<{ items: FolderItem[], truncated: boolean } | null> {
  const base = folder === '/' ? '' : folder
  const items: FolderItem[] = []
  let truncated = false
  let any = false
  // Shallow listing: one entry per child, a file's own node or the first file inside a sub-folder.
  for await (const node of d.localList(folder) as AsyncIterable<{ key: string, value: { blob?: { byteLength: number } | null } }>) {
    any = true
    const rest = node.key.slice(base.length + 1)
    const slash = rest.indexOf('/')
    const name = slash === -1 ? rest : rest.slice(0, slash)
    const path = `${base}/${name}`
    if (isHidden(path + (slash === -1 ? '' : '/'))) continue
    if (items.length >= MAX_ITEMS) { truncated = true; break }
    items.push({ name, path, folder: slash !== -1, size: slash === -1 ? node.value.blob?.byteLength ?? 0 : 0 })
  }
  if (!any && folder !== '/') return null
  items.sort((a, b) => Number(b.folder) - Number(a.folder) || a.name.localeCompare(b.name, undefined, { numeric: true }))
  return { items, truncated }
}
