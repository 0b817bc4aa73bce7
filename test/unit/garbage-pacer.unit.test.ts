import { describe, it, expect } from 'vitest'
import { GarbagePacer } from '../../services/storage/garbage-pacer.js'
import { until } from '../helpers/until.js'

const MiB = 1024 * 1024

describe('GarbagePacer', () => {
  it('asks for one full collection per 16 MiB of blocks moved, whatever their size', () => {
    let collections = 0
    const pacer = new GarbagePacer(() => { collections++ })
    for (let i = 0; i < 200; i++) pacer.note(512 * 1024) // 100 MiB of 512 KiB blocks: 6 × 16, and 4 MiB left over
    expect(collections).toBe(6)
    for (let i = 0; i < 1300; i++) pacer.note(10 * 1024) // and 12.7 MiB more of 10 KiB ones
    expect(collections).toBe(7)
  })

  it('collects what a large write left when it ends, but not after a small one', () => {
    let collections = 0
    const pacer = new GarbagePacer(() => { collections++ })
    pacer.note(MiB)
    pacer.settle()
    expect(collections).toBe(0)
    pacer.note(8 * MiB)
    pacer.settle()
    expect(collections).toBe(1)
    pacer.settle()
    expect(collections).toBe(1)
  })

  it('does nothing where Node does not expose gc()', () => {
    const pacer = new GarbagePacer(null)
    expect(() => { pacer.note(64 * MiB); pacer.settle() }).not.toThrow()
  })
})

describe('GarbagePacer, once blocks stop moving', () => {
  it('collects what the last blocks of a transfer left once none has moved for a while', async () => {
    let collections = 0
    const pacer = new GarbagePacer(() => { collections++ }, 50)
    for (let i = 0; i < 20; i++) pacer.note(512 * 1024)
    expect(collections).toBe(0)
    await until(() => collections === 1, { timeout: 5_000, what: 'a collection after the transfer went quiet' })
    pacer.close()
  })
})

describe('GarbagePacer, blocks received from a peer', () => {
  it('are not paced (a mirror\'s CPU per MiB matters more than its peak), only collected once the transfer goes quiet', async () => {
    let collections = 0
    const pacer = new GarbagePacer(() => { collections++ }, 50)
    for (let i = 0; i < 200; i++) pacer.noteQuietly(512 * 1024)
    expect(collections).toBe(0)
    await until(() => collections === 1, { timeout: 5_000, what: 'a collection after the mirror went quiet' })
    pacer.close()
  })
})
