// What the organiser is told about each drive of the region, and in which order.
import { describe, it, expect } from 'vitest'
import { regionHealth } from '../../services/node/region-health.js'
import type { Region } from '../../services/mirror/region-placement.js'

const k = (c: string) => c.repeat(52)
const ME = k('m')

function region (holders: Record<string, string[]>, publisher: Record<string, string>): Region {
  return { self: ME, nodes: [], holders: new Map(Object.entries(holders).map(([d, h]) => [d, new Set(h)])), publisher: new Map(Object.entries(publisher)) }
}

describe('region health', () => {
  const r = region({
    [k('a')]: [k('p'), ME, k('q')], // publisher + 2: safe at K = 2
    [k('b')]: [k('p'), ME], // publisher + 1: at risk
    [k('c')]: [k('p')], // publisher only
    [k('d')]: [], // nobody complete
    [k('e')]: [ME, k('q'), k('r')] // publisher unknown (a stock drive): every holder counts
  }, { [k('a')]: k('p'), [k('b')]: k('p'), [k('c')]: k('p'), [k('d')]: k('p') })
  const drives = new Map([[k('a'), 'Alpha'], [k('b'), 'Beta'], [k('c'), 'Gamma'], [k('d'), 'Delta'], [k('e'), 'Echo'], [k('f'), 'Foxtrot']])
  const list = regionHealth({ region: r, target: 2, drives, names: new Map([[ME, 'Library'], [k('p'), 'Laptop']]) })

  it('orders the drives closest to being lost first: none complete, only on the publisher, at risk, then safe', () => {
    expect(list.map(d => [d.title, d.state, d.copies])).toEqual([
      ['Delta', 'lost', 0],
      ['Foxtrot', 'lost', 0],
      ['Gamma', 'publisher-only', 0],
      ['Beta', 'at-risk', 1],
      ['Alpha', 'safe', 2],
      ['Echo', 'safe', 3]
    ])
  })

  it('names the holders, publisher first, then this node, and marks which is which', () => {
    expect(list.find(d => d.title === 'Alpha')!.holders).toEqual([
      { key: k('p'), name: 'Laptop', self: false, publisher: true },
      { key: ME, name: 'Library', self: true, publisher: false },
      { key: k('q'), name: '', self: false, publisher: false }
    ])
  })

  it('fewer copies come first among drives at risk', () => {
    const at = regionHealth({ region: region({ [k('a')]: [k('x')], [k('b')]: [k('x'), k('y')] }, {}), target: 3, drives: new Map([[k('a'), 'Z'], [k('b'), 'A']]), names: new Map() })
    expect(at.map(d => [d.title, d.copies])).toEqual([['Z', 1], ['A', 2]])
  })
})
