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
})
