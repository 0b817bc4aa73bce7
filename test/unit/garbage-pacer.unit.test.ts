import { describe, it, expect } from 'vitest'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GarbagePacer, SMALL_CHUNK_BYTES } from '../../services/storage/garbage-pacer.js'
import { SHIPPED_ENV } from '../helpers/shipped-node.js'
import { Rechunker } from '../../services/publish/drive-writer.js'
import { until } from '../helpers/until.js'

const MiB = 1024 * 1024

/** Counts the collections a pacer asks for. */
function counting () {
  const seen = { full: 0, young: 0 }
  const trims: number[] = []
  return { seen, trims, collectors: { full: () => { seen.full++ }, young: () => { seen.young++ }, trim: () => { trims.push(seen.full) } } }
}

describe('GarbagePacer', () => {
  it('asks for one full collection per 16 MiB of blocks moved, whatever their size', () => {
    const { seen, collectors } = counting()
    const pacer = new GarbagePacer(collectors)
    for (let i = 0; i < 200; i++) pacer.note(512 * 1024) // 100 MiB of 512 KiB blocks: 6 × 16, and 4 MiB left over
    expect(seen.full).toBe(6)
    for (let i = 0; i < 1300; i++) pacer.note(10 * 1024) // and 12.7 MiB more of 10 KiB ones
    expect(seen.full).toBe(7)
  })

  it('asks for a young-generation collection after every 512 KiB of small chunks copied into blocks, not for blocks moved', () => {
    const { seen, collectors } = counting()
    const pacer = new GarbagePacer(collectors)
    for (let i = 0; i < 30; i++) pacer.note(512 * 1024) // 15 MiB of blocks sent to a peer: no collection yet
    expect(seen).toEqual({ full: 0, young: 0 })
    for (let i = 0; i < 100; i++) pacer.noteSmallChunks(32 * 1024) // 3.1 MiB of an upload's body
    expect(seen).toEqual({ full: 0, young: 6 })
  })

  it('counts as small only chunks that glibc keeps in its arena as the node is shipped: below the #! line\'s mmap threshold', () => {
    expect(SMALL_CHUNK_BYTES).toBeLessThanOrEqual(Number(SHIPPED_ENV.MALLOC_MMAP_THRESHOLD_))
  })

  it('finds no small chunks in a --share or USB file read 512 KiB at a time, but in an upload\'s body', async () => {
    const { seen, collectors } = counting()
    const drain = (chunker: Rechunker, chunks: Buffer[]) => pipeline(Readable.from(chunks), chunker, new Writable({ write (_c, _e, cb) { cb() } }))
    await drain(new Rechunker(new GarbagePacer(collectors)), Array.from({ length: 8 }, () => Buffer.alloc(512 * 1024)))
    expect(seen.young).toBe(0)
    // 3.75 MiB in 30 KiB chunks, told to the pacer once copied into a block: 540, 510, 510, … KiB
    await drain(new Rechunker(new GarbagePacer(collectors)), Array.from({ length: 128 }, () => Buffer.alloc(30 * 1024)))
    expect(seen.young).toBe(4)
  })

  it('collects what a large write left when it ends, but not after a small one', () => {
    const { seen, collectors } = counting()
    const pacer = new GarbagePacer(collectors)
    pacer.note(MiB)
    pacer.settle()
    expect(seen.full).toBe(0)
    pacer.note(8 * MiB)
    pacer.settle()
    expect(seen.full).toBe(1)
    pacer.settle()
    expect(seen.full).toBe(1)
  })

  it('does nothing where Node does not expose gc()', () => {
    const pacer = new GarbagePacer(null)
    expect(() => { pacer.note(64 * MiB); pacer.settle() }).not.toThrow()
  })
})

describe('GarbagePacer, once blocks stop moving', () => {
  it('collects what the last blocks of a transfer left once none has moved for a while', async () => {
    const { seen, collectors } = counting()
    const pacer = new GarbagePacer(collectors, 50)
    for (let i = 0; i < 20; i++) pacer.note(512 * 1024)
    expect(seen.full).toBe(0)
    await until(() => seen.full === 1, { timeout: 5_000, what: 'a collection after the transfer went quiet' })
    pacer.close()
  })
})

describe('GarbagePacer, giving freed memory back to the kernel', () => {
  it('does it once the node is quiet after the collection that ended a piece of work, never while work runs', async () => {
    const { trims, collectors } = counting()
    const pacer = new GarbagePacer(collectors, 50)
    for (let i = 0; i < 200; i++) pacer.note(512 * 1024) // 6 paced collections while the work runs
    for (let i = 0; i < 100; i++) pacer.noteSmallChunks(32 * 1024)
    pacer.settle() // the work ended (a drive completed): collected now ...
    expect(trims).toEqual([])
    await until(() => trims.length === 1, { timeout: 5_000, what: 'a trim once quiet' })
    expect(trims).toEqual([7]) // ... and given back after that 7th collection, once quiet
    pacer.close()
  })

  it('waits while blocks still move after the work ended (a mirror\'s last count, another peer)', async () => {
    const { trims, collectors } = counting()
    const pacer = new GarbagePacer(collectors, 200)
    pacer.note(8 * MiB)
    pacer.settle()
    const busyUntil = Date.now() + 500
    while (Date.now() < busyUntil) { pacer.noteQuietly(1024); await new Promise(resolve => setTimeout(resolve, 20)) }
    expect(trims).toEqual([])
    await until(() => trims.length === 1, { timeout: 5_000, what: 'a trim once quiet' })
    pacer.close()
  })

  it('does it too after a write that ended on a paced collection, with nothing left to settle (a --share import)', async () => {
    const { trims, collectors } = counting()
    const pacer = new GarbagePacer(collectors, 50)
    for (let i = 0; i < 64; i++) pacer.note(512 * 1024) // 32 MiB: two paced collections, none left for settle()
    pacer.settle()
    await until(() => trims.length === 1, { timeout: 5_000, what: 'a trim once quiet' })
    expect(trims).toEqual([2])
    pacer.close()
  })

  it('does not, after a piece of work too small to collect for', async () => {
    const { trims, collectors } = counting()
    const pacer = new GarbagePacer(collectors, 20)
    pacer.note(MiB)
    pacer.settle()
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(trims).toEqual([])
    pacer.close()
  })
})

describe('GarbagePacer, blocks received from a peer', () => {
  it('are not paced (a mirror\'s CPU per MiB matters more than its peak), only collected once the transfer goes quiet', async () => {
    const { seen, collectors } = counting()
    const pacer = new GarbagePacer(collectors, 50)
    for (let i = 0; i < 200; i++) pacer.noteQuietly(512 * 1024)
    expect(seen.full).toBe(0)
    await until(() => seen.full === 1, { timeout: 5_000, what: 'a collection after the mirror went quiet' })
    pacer.close()
  })
})
