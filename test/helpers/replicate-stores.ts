import type { Library } from '../../services/storage/library.js'

/** Replicates two libraries' stores over an in-memory pipe, as two connected nodes would; returns what ends it. */
export function replicateStores (a: Library, b: Library): () => Promise<void> {
  const s1 = a.store.replicate(true)
  const s2 = b.store.replicate(false)
  s1.pipe(s2).pipe(s1)
  return async () => { s1.destroy(); s2.destroy() }
}
