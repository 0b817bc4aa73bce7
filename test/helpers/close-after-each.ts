// What a spec opens (libraries, stores, replication streams) is closed after it, in the reverse order of opening,
// and only then are its temporary folders removed: a store still open when its folder goes leaves RocksDB writing
// into nothing.
import { afterEach } from 'vitest'
import { removeTempDirs } from './temp-dir.js'

/** Call once at the top of a spec file; push each part's close onto the list it returns. */
export function closeAfterEach (): Array<() => Promise<void>> {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c()
    await removeTempDirs()
  })
  return closers
}
