// glibc's malloc_trim(0), through the project's addon (native/malloc-trim.c, built into dist/native/ by
// scripts/build-native.mjs): gives the pages malloc holds free in the middle of its arenas back to the kernel.
// Loaded on first use, never at start. Where it was not built (a laptop without a C compiler) or cannot load, the
// node runs without it and says so once.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { logger } from '../log.js'

const log = logger('memory')
const ADDON = path.join('dist', 'native', `${process.platform}-${process.arch}`, 'malloc-trim.node')

let loaded: (() => boolean) | null | undefined

/** malloc_trim(0), true if memory went back to the kernel; null where the addon is not available. */
export function mallocTrim (): (() => boolean) | null {
  if (loaded !== undefined) return loaded
  loaded = null
  // The package's root is above this file: services/storage/ in the source tree, dist/bundle/ once built.
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5 && loaded === null; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, ADDON)
    if (!fs.existsSync(file)) continue
    try {
      loaded = (createRequire(import.meta.url)(file) as { trim: () => boolean }).trim
    } catch (err) {
      log.warn(`cannot load ${file}: ${(err as Error).message}; freed memory stays with malloc until reused`)
      return loaded
    }
  }
  if (loaded === null) log.info(`no ${ADDON} (npm run build makes it where a C compiler is installed); freed memory stays with malloc until reused`)
  return loaded
}
