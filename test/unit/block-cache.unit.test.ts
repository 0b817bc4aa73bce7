import { describe, it, expect } from 'vitest'
import { BlockCache } from '../../services/storage/block-cache.js'

const block = (n: number, fill = 1) => Buffer.alloc(n, fill)

describe('BlockCache', () => {
  it('keeps the most recently used blocks within its byte budget', () => {
    const c = new BlockCache(300, 200)
    c.set('a', block(100)); c.set('b', block(100)); c.set('c', block(100))
    c.get('a') // a is now the most recent
    c.set('d', block(100))
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBeDefined()
    expect(c.size).toBe(300)
  })

  it('never keeps a block larger than its largest allowed block', () => {
    const c = new BlockCache(1000, 200)
    c.set('big', block(201))
    expect(c.get('big')).toBeUndefined()
    expect(c.size).toBe(0)
  })

  it('merges concurrent reads of one block into one storage read, and caches the result', async () => {
    const c = new BlockCache()
    let reads = 0
    const read = async () => { reads++; await new Promise(resolve => setTimeout(resolve, 10)); return block(10, 7) }
    const got = await Promise.all(Array.from({ length: 50 }, () => c.read('k', read)))
    expect(reads).toBe(1)
    expect(got.every(b => b![0] === 7)).toBe(true)
    await c.read('k', read)
    expect(reads).toBe(1)
  })

  it('does not remember a failed or missing read', async () => {
    const c = new BlockCache()
    await expect(c.read('k', async () => { throw new Error('disk gone') })).rejects.toThrow('disk gone')
    expect(await c.read('k', async () => null)).toBeNull()
    expect(await c.read('k', async () => block(3))).toHaveLength(3)
  })

  it('drops blocks nobody has read for idleMs, keeps the ones still read, says how much it let go, and stops checking once empty', async () => {
    const released: number[] = []
    const c = new BlockCache(1000, 200, { idleMs: 500, released: (n) => released.push(n) })
    c.set('watched', block(100)); c.set('left', block(50))
    expect(c.sweeping).toBe(true)
    // The room keeps watching one block (every 10 ms, far inside idleMs even on a busy machine); nobody asks for the other.
    const watching = setInterval(() => c.get('watched'), 10)
    await until(() => released.length > 0)
    expect(c.get('left')).toBeUndefined()
    expect(c.get('watched')).toBeDefined()
    expect(released).toEqual([50])
    expect(c.size).toBe(100)
    // The phones leave: the rest goes too, and nothing is scheduled any more.
    clearInterval(watching)
    await until(() => c.size === 0)
    expect(released).toEqual([50, 100])
    expect(c.sweeping).toBe(false)
    c.close()
  })
})

async function until (ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}
