import { describe, it, expect } from 'vitest'
import { StoreCompactor } from '../../services/storage/store-compactor.js'
import { until, holdsFor } from '../helpers/until.js'

const MB = 1024 * 1024

/** A store whose compactions are recorded, and whose size on disk the test sets. */
function fakeStore (figures: { onDisk: number, needed: number }) {
  const runs: Array<Record<string, number>> = []
  return {
    runs,
    compact: async (opts: Record<string, number>) => { runs.push(opts) },
    measure: async () => ({ ...figures })
  }
}

describe('compacting the store after a reclaim (the SD card wears with writes)', () => {
  it('runs once after a burst of reclaims has settled, not once per reclaim', async () => {
    const store = fakeStore({ onDisk: 10 * MB, needed: 10 * MB })
    const c = new StoreCompactor({ ...store, delayMs: 50, minGapMs: 0 })
    for (let i = 0; i < 20; i++) c.reclaimed(MB)
    await until(() => c.runs === 1, { what: 'one compaction' })
    await c.close()
    expect(store.runs).toHaveLength(1)
    // Tombstones and the keys they cover are dropped; blob files entirely garbage go with them.
    expect(store.runs[0]).toEqual({ bottommostLevelCompaction: 2 })
  })

  it('waits out the gap after a compaction: reclaims meanwhile make one more, after the gap', async () => {
    const store = fakeStore({ onDisk: 10 * MB, needed: 10 * MB })
    const c = new StoreCompactor({ ...store, delayMs: 10, minGapMs: 400 })
    c.reclaimed(MB)
    await until(() => c.runs === 1, { what: 'the first compaction' })
    c.reclaimed(MB)
    c.reclaimed(MB)
    // Most of the gap: nothing runs in it, however many reclaims come.
    await holdsFor(() => c.runs === 1, 300, { what: 'no compaction within the gap' })
    await until(() => c.runs === 2, { what: 'the second compaction' })
    await c.close()
    expect(store.runs).toHaveLength(2)
  })

  it('rewrites live blobs (forced blob GC) only when the store still wastes more than 15 % and 16 MiB', async () => {
    const figures = { onDisk: 100 * MB, needed: 90 * MB }
    const store = fakeStore(figures)
    const c = new StoreCompactor({ ...store, delayMs: 10, minGapMs: 0 })
    c.reclaimed(MB)
    await until(() => store.runs.length === 1 && c.runs === 1, { what: 'a compaction' })
    figures.onDisk = 200 * MB
    c.reclaimed(MB)
    await until(() => store.runs.length === 3, { what: 'a compaction and a forced collection' })
    await c.close()
    expect(store.runs[1]).toEqual({ bottommostLevelCompaction: 2 })
    expect(store.runs[2]).toMatchObject({ blobGarbageCollectionPolicy: 1, blobGarbageCollectionAgeCutoff: 1 })
  })

  it('does nothing after close, and close waits for a compaction under way', async () => {
    let finish!: () => void
    let running = false
    const c = new StoreCompactor({
      compact: () => { running = true; return new Promise<void>(resolve => { finish = () => { running = false; resolve() } }) },
      measure: async () => ({ onDisk: 0, needed: 0 }),
      delayMs: 10,
      minGapMs: 0
    })
    c.reclaimed(MB)
    await until(() => running, { what: 'a compaction to start' })
    let closed = false
    const closing = c.close().then(() => { closed = true })
    await new Promise(resolve => setImmediate(resolve))
    expect(closed).toBe(false)
    finish()
    await closing
    c.reclaimed(MB)
    expect(c.runs).toBe(1)
  })
})
