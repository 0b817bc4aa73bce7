// How a node commits the blocks it receives (services/hypercore-block-writes.ts): batches of at most one large
// block, blocks put last, every block still written with its bitfield bit.
import { describe, it, expect, afterEach } from 'vitest'
import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import { Corestore } from '../../services/holepunch-modules.js'
import { GROUP_BYTES, blockWritesPatched } from '../../services/hypercore-block-writes.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'

const require = createRequire(import.meta.url)
/** hypercore-storage's View: every write batch a core commits goes through View.flush(changes, db). */
const View = require('hypercore-storage/lib/view.js') as { flush (changes: Array<[Buffer, Buffer | null, Buffer | null]> | null, db: unknown): Promise<boolean> }

const open: Array<{ close (): Promise<void> }> = []
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close()
  await removeTempDirs()
})

async function store (name: string): Promise<Corestore> {
  const s = new Corestore(await tempDir(`p2p-block-writes-${name}-`))
  open.push(s)
  return s
}

/** Every batch the receiving store writes while `fn` runs, as the sizes of its values in order (null: a delete). */
async function batchesDuring (fn: () => Promise<void>): Promise<Array<Array<number | null>>> {
  const seen: Array<Array<number | null>> = []
  const stock = View.flush
  View.flush = async function (changes, db) {
    if (changes !== null) seen.push(changes.map(([, value, end]) => end === null && value !== null ? value.byteLength : null))
    return await stock.call(this, changes, db)
  }
  try {
    await fn()
  } finally {
    View.flush = stock
  }
  return seen
}

async function mirror (blocks: Buffer[]): Promise<{ batches: Array<Array<number | null>>, got: Buffer[] }> {
  const a = await store('a')
  const b = await store('b')
  const writer = a.get({ name: 'w' })
  await writer.ready()
  await writer.append(blocks)
  const reader = b.get({ key: writer.key })
  await reader.ready()
  const sa = a.replicate(true)
  const sb = b.replicate(false)
  sa.pipe(sb).pipe(sa)
  open.push({ close: async () => { sa.destroy(); sb.destroy() } })
  const got: Buffer[] = []
  const batches = await batchesDuring(async () => {
    await reader.download({ start: 0, end: blocks.length }).done()
  })
  for (let i = 0; i < blocks.length; i++) got.push(await reader.get(i, { wait: false }) as Buffer)
  // Every block has its bit: a core reopened from the store says it has them all.
  expect(reader.contiguousLength).toBe(blocks.length)
  return { batches, got }
}

describe('blocks received from a peer', () => {
  it('are written this way once the node has loaded hypercore (the pinned version)', () => {
    expect(blockWritesPatched()).toBe(true)
  })

  it('are committed at most one 512 KiB block to a batch, after the batch\'s tree nodes and bitfield pages, byte for byte', async () => {
    const blocks = Array.from({ length: 24 }, () => crypto.randomBytes(512 * 1024))
    const { batches, got } = await mirror(blocks)
    for (let i = 0; i < blocks.length; i++) expect(got[i].equals(blocks[i]), `block ${i}`).toBe(true)
    const withBlocks = batches.filter(sizes => sizes.some(n => n === 512 * 1024))
    expect(withBlocks.length).toBe(blocks.length)
    for (const sizes of withBlocks) {
      // The block is the batch's last entry: RocksDB's batch then grows once, to its size.
      expect(sizes.at(-1)).toBe(512 * 1024)
      expect(sizes.filter(n => n === 512 * 1024)).toHaveLength(1)
    }
  })

  it('of a few KiB (bitfield pages are 4 KiB) are still committed many to a batch, up to GROUP_BYTES and one block more', async () => {
    const blocks = Array.from({ length: 400 }, (_, i) => crypto.randomBytes(5000 + i))
    const { batches, got } = await mirror(blocks)
    for (let i = 0; i < blocks.length; i++) expect(got[i].equals(blocks[i]), `block ${i}`).toBe(true)
    const blockBytes = batches.map(sizes => sizes.filter((n): n is number => n !== null && n >= 5000).reduce((s, n) => s + n, 0))
    expect(Math.max(...blockBytes)).toBeLessThan(GROUP_BYTES + 5000 + 400)
    expect(blockBytes.reduce((s, n) => s + n, 0)).toBe(blocks.reduce((s, b) => s + b.byteLength, 0))
  })
})
