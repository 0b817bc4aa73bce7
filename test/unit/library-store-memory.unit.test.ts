// What the library's RocksDB keeps in the node's own memory (issue 13: a Pi Zero 2 W has 512 MB for everything).
import path from 'node:path'
import { describe, it, expect, afterAll } from 'vitest'
import { Library } from '../../services/storage/library.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'

afterAll(removeTempDirs)

describe("the library's store", () => {
  it('keeps no block cache of its own: table reads go through the page cache, which the kernel can take back', async () => {
    const library = new Library({ dataDir: path.join(await tempDir('p2p-store-mem-'), 'data') })
    await library.open()
    try {
      const options = (library.store as any).storage.db._columnFamily._options
      expect(options.blockCache).toBe(false)
      // 8 MiB write buffers, two of them: the memtables' bound (library.ts)
      expect(options.writeBufferSize * options.maxWriteBufferNumber).toBe(16 * 1024 * 1024)
    } finally {
      await library.close()
    }
  })
})
