import { describe, it, expect } from 'vitest'
import { decodeCatalogue, encodeCatalogue, MAX_CATALOGUE_ENTRIES } from '../../services/replication/catalogue.js'

const key = 'y'.repeat(51) + 'b'
const Z32 = 'ybndrfg8ejkmcpqxot1uwisza345h769'
const nthKey = (i: number) => i.toString(32).split('').map(c => Z32[parseInt(c, 32)]).join('').padStart(52, 'y')
const entry = { key, title: 'Maps', description: 'Village maps', bytes: 10, files: 2, version: 3, own: true }

describe('catalogue messages', () => {
  it('round-trips what a node holds', () => {
    expect(decodeCatalogue(encodeCatalogue({ drives: [entry], refuses: [] }))).toEqual({ drives: [entry], refuses: [] })
  })

  it('rejects garbage and oversized messages outright', () => {
    expect(decodeCatalogue(Buffer.from('not json'))).toBeNull()
    expect(decodeCatalogue(Buffer.from('{"x":1}'))).toBeNull()
    expect(decodeCatalogue(Buffer.alloc(600 * 1024, 32))).toBeNull()
  })

  it('drops malformed entries one by one and caps hostile fields', () => {
    const raw = { d: [entry, { key: 'short' }, { ...entry, key: 'Z'.repeat(52) }, { ...entry, key: 'b'.repeat(52), title: 'x'.repeat(5000), bytes: -5, files: 'many', own: 'yes' }, entry] }
    const cat = decodeCatalogue(Buffer.from(JSON.stringify(raw)))!
    expect(cat.drives.map(d => d.key)).toEqual([key, 'b'.repeat(52)])
    expect(cat.drives[1]).toMatchObject({ title: 'x'.repeat(120), bytes: 0, files: 0, own: false })
  })

  it('carries what region placement needs: the sender\'s disk figures and mirror mode, and per drive keeps and complete', () => {
    const node = { capBytes: 2e9, usedBytes: 5e8, maxDriveBytes: 1e9, mirror: 'all' as const }
    const cat = { drives: [{ ...entry, keeps: true, complete: true }, { ...entry, key: 'b'.repeat(52), own: false, keeps: false, complete: false }], refuses: [], node }
    expect(decodeCatalogue(encodeCatalogue(cat))).toEqual(cat)
  })

  it('reads an older node\'s catalogue, which has none of the region fields, as figures unknown', () => {
    const cat = decodeCatalogue(Buffer.from(JSON.stringify({ d: [entry], r: [] })))!
    expect(cat.node).toBeUndefined()
    expect(cat.drives[0].keeps).toBeUndefined()
    expect(cat.drives[0].complete).toBeUndefined()
  })

  it('drops disk figures that do not add up as a whole, and region flags that are not booleans', () => {
    const good = { capBytes: 2e9, usedBytes: 5e8, maxDriveBytes: 1e9, mirror: 'all' }
    for (const n of [{ ...good, capBytes: -1 }, { ...good, usedBytes: 1.5 }, { ...good, maxDriveBytes: '1G' }, { ...good, mirror: 'some' }, { ...good, capBytes: 2 ** 60 }, 'x', null]) {
      expect(decodeCatalogue(Buffer.from(JSON.stringify({ d: [], r: [], n })))!.node).toBeUndefined()
    }
    const cat = decodeCatalogue(Buffer.from(JSON.stringify({ d: [{ ...entry, keeps: 'yes', complete: 1 }], r: [], n: { ...good, extra: 'x'.repeat(100) } })))!
    expect(cat.drives[0]).toEqual(entry)
    expect(cat.node).toEqual(good)
  })

  it(`keeps at most ${MAX_CATALOGUE_ENTRIES} drives from one peer`, () => {
    const many = Array.from({ length: 1500 }, (_, i) => ({ key: nthKey(i) }))
    const cat = decodeCatalogue(Buffer.from(JSON.stringify({ d: many })))
    expect(cat?.drives ?? []).toHaveLength(MAX_CATALOGUE_ENTRIES)
  })
})
