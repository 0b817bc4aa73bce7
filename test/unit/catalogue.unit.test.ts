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

  it(`keeps at most ${MAX_CATALOGUE_ENTRIES} drives from one peer`, () => {
    const many = Array.from({ length: 1500 }, (_, i) => ({ key: nthKey(i) }))
    const cat = decodeCatalogue(Buffer.from(JSON.stringify({ d: many })))
    expect(cat?.drives ?? []).toHaveLength(MAX_CATALOGUE_ENTRIES)
  })
})
