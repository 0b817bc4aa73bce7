import { describe, it, expect } from 'vitest'
import { alone, place, type PlacementInput, type Region } from '../../services/mirror/region-placement.js'
import { decide } from '../../services/mirror/mirror-policy.js'
import type { HeldDrive, PolicySettings } from '../../services/mirror/mirror-policy.js'
import { rank } from '../../services/mirror/rendezvous.js'
import { countedHolders } from '../../services/mirror/holder-grace.js'
import { RegionSim } from '../../bench/lib/region-simulator.js'

const MB = 1024 * 1024
const settings: PolicySettings = { mirror: 'all', maxDriveBytes: 100 * MB, maxTotalBytes: 300 * MB, deny: [], follow: [], probeTimeoutMs: 60_000, maxProbing: 16 }
const now = 1_000_000
const k = (c: string) => c.repeat(52)
const held = (key: string, bytes: number, over: Partial<HeldDrive> = {}): HeldDrive =>
  ({ key, own: false, pinned: false, followed: false, bytes, localBytes: bytes, lastUsed: now - 1000, known: true, addedAt: now - 100_000, ...over })
const SELF = 'self'
/** A region of `self` and the given nodes; `holders` lists, per drive, who holds it besides this node's `held`. */
type RegionSketch = Omit<Partial<Region>, 'holders' | 'publisher'> & { holders?: Record<string, string[]>, publisher?: Record<string, string> }
const region = (over: RegionSketch = {}): Region => {
  const holders = new Map(Object.entries(over.holders ?? {}).map(([d, ns]) => [d, new Set(ns)]))
  const publisher = new Map(Object.entries(over.publisher ?? {}))
  return { self: SELF, nodes: [{ key: SELF }], copies: 2, ...over, holders, publisher }
}
const run = (over: Partial<PlacementInput>) =>
  place({ settings, held: [], offered: [], blocked: [], coolingDown: new Set(), now, region: region(), ...over })
/** Other nodes that are full and hold nothing extra: they never take anything. */
const full = (...keys: string[]) => keys.map(key => ({ key, capBytes: 100 * MB, usedBytes: 100 * MB }))

/** N nodes, each publishing `perNode` equal drives, each with room for its own drives plus `slots` copies. */
function equalRegion (n: number, perNode: number, slots: number, copies = 2) {
  const sim = new RegionSim({ policy: 'region', copies })
  for (let i = 0; i < n; i++) sim.addNode(`node-${i}`, (perNode + slots) * 10 * MB)
  for (let i = 0; i < n; i++) for (let j = 0; j < perNode; j++) sim.publish(`drive-${i}-${j}`, 10 * MB, `node-${i}`)
  return sim
}
/** Drives of mixed sizes; each node has room for its own drives plus a mixed share of 3× the library. */
function mixedRegion (n: number, drives: number, seed = 1) {
  let x = seed
  const random = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x / 2 ** 32 }
  const sim = new RegionSim({ policy: 'region', copies: 2 })
  const sizes = Array.from({ length: drives }, () => Math.round((1 + random() * 19) * MB))
  const library = sizes.reduce((a, b) => a + b, 0)
  const weights = Array.from({ length: n }, () => 1 + Math.floor(random() * 4))
  const sum = weights.reduce((a, b) => a + b, 0)
  const own = (i: number) => sizes.filter((_, j) => j % n === i).reduce((a, b) => a + b, 0)
  for (let i = 0; i < n; i++) sim.addNode(`node-${i}`, own(i) + Math.round(3 * library * weights[i] / sum))
  sizes.forEach((bytes, j) => sim.publish(`drive-${j}`, bytes, `node-${j % n}`))
  return sim
}
const allCopies = (sim: RegionSim) => [...sim.drives.keys()].map(d => sim.copiesOf(d))

describe('region placement: where copies go', () => {
  it('spreads every drive to exactly `copies` nodes besides its publisher when the disks hold no more', () => {
    for (const n of [4, 8, 10, 16]) {
      const sim = equalRegion(n, 2, 4)
      sim.settle()
      expect(allCopies(sim), `${n} nodes`).toEqual(Array(2 * n).fill(2))
    }
  })

  it('keeps 3 copies of each drive when asked to, and not the publisher\'s among them', () => {
    const sim = equalRegion(8, 1, 3, 3)
    sim.settle()
    expect(allCopies(sim)).toEqual(Array(8).fill(3))
    for (const [drive, nodes] of sim.holders) expect(nodes.has(sim.drives.get(drive)!.publisher)).toBe(true)
  })

  it('lets only the best-ranked nodes with room take a drive below target, so it gets exactly the copies missing', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e', SELF]
    const order = rank(k('x'), nodes)
    const takers = nodes.filter(self => place({
      settings, held: self === order[0] ? [held(k('x'), MB)] : [], blocked: [], coolingDown: new Set(), now,
      offered: [{ key: k('x'), bytes: MB, peers: 2 }],
      region: region({ self, nodes: nodes.map(key => ({ key })), holders: { [k('x')]: ['p', order[0]] }, publisher: { [k('x')]: 'p' } })
    }).mirror.length > 0)
    expect(takers).toEqual([order[1]])
  })

  it('passes over a better-ranked node that is known to have no room', () => {
    const nodes = ['a', SELF]
    const [first, second] = rank(k('x'), nodes)
    const decideFor = (self: string) => place({
      settings, held: [], blocked: [], coolingDown: new Set(), now,
      offered: [{ key: k('x'), bytes: 10 * MB, peers: 1 }],
      region: region({ self, nodes: [{ key: first, capBytes: 50 * MB, usedBytes: 45 * MB }, { key: second }], publisher: { [k('x')]: 'p' }, holders: { [k('x')]: ['p'] } })
    })
    expect(decideFor(first).mirror).toEqual([])
    expect(decideFor(second).mirror).toEqual([k('x')])
  })

  it('takes the rarest drives first when it has room for only some', () => {
    const d = run({
      settings: { ...settings, maxTotalBytes: 10 * MB },
      offered: [{ key: k('a'), bytes: 10 * MB, peers: 2 }, { key: k('b'), bytes: 10 * MB, peers: 1 }],
      region: region({ nodes: [{ key: SELF }, ...full('x')], holders: { [k('a')]: ['p', 'x'], [k('b')]: ['p'] }, publisher: { [k('a')]: 'p', [k('b')]: 'p' } })
    })
    expect(d.mirror).toEqual([k('b')])
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'no-space' }])
  })

  it('does not count the publisher\'s copy toward the target', () => {
    const d = run({ offered: [{ key: k('a'), bytes: MB, peers: 2 }], region: region({ copies: 1, holders: { [k('a')]: ['p'] }, publisher: { [k('a')]: 'p' } }) })
    expect(d.mirror).toEqual([k('a')])
  })

  it('fills free space with extra copies of drives already at target, fewest copies first, without evicting', () => {
    const d = run({
      settings: { ...settings, maxTotalBytes: 30 * MB },
      held: [held(k('h'), 10 * MB)],
      offered: [{ key: k('a'), bytes: 10 * MB, peers: 4 }, { key: k('b'), bytes: 10 * MB, peers: 3 }, { key: k('c'), bytes: 10 * MB, peers: 4 }],
      region: region({ holders: { [k('a')]: ['p', 'x', 'y', 'z'], [k('b')]: ['p', 'x', 'y'], [k('c')]: ['p', 'x', 'y', 'z'], [k('h')]: ['p', 'x', 'y'] }, publisher: { [k('a')]: 'p', [k('b')]: 'p', [k('c')]: 'p', [k('h')]: 'p' } })
    })
    expect(d.mirror).toHaveLength(2)
    expect(d.mirror[0]).toBe(k('b'))
    expect(d.evict).toEqual([])
  })
})

describe('region placement: what goes first', () => {
  /** Drives this node holds whose other holders all keep them for good: this node's copy is the extra one. */
  const extras = (copies: Record<string, number>) => {
    const holders: Record<string, string[]> = { [k('n')]: ['p'] }
    const keeps = new Set<string>()
    for (const [d, c] of Object.entries(copies)) { holders[d] = ['p', ...Array.from({ length: c - 1 }, (_, i) => `h${i}`)]; keeps.add(d) }
    const nodes = [{ key: SELF }, ...Array.from({ length: 5 }, (_, i) => ({ key: `h${i}`, capBytes: 100 * MB, usedBytes: 100 * MB, keeps }))]
    const publisher = Object.fromEntries([k('n'), ...Object.keys(copies)].map(d => [d, 'p']))
    return region({ nodes, holders, publisher })
  }

  it('evicts the drive with the most copies in the region first, the least recently used among equals', () => {
    const d = run({
      settings: { ...settings, maxTotalBytes: 30 * MB },
      held: [held(k('x'), 10 * MB, { lastUsed: 1 }), held(k('y'), 10 * MB, { lastUsed: 3 }), held(k('z'), 10 * MB, { lastUsed: 2 })],
      offered: [{ key: k('n'), bytes: 10 * MB, peers: 1 }],
      region: extras({ [k('x')]: 3, [k('y')]: 4, [k('z')]: 4 })
    })
    expect(d.mirror).toEqual([k('n')])
    expect(d.evict).toEqual([{ key: k('z'), reason: 'no-space' }])
  })

  it('never evicts a drive down below target to take another, even its least recently used one', () => {
    const at = region({ nodes: [{ key: SELF }, ...full('x', 'y')], holders: { [k('n')]: ['p'], [k('a')]: ['p', 'x'], [k('b')]: ['p', 'u', 'v'] }, publisher: { [k('n')]: 'p', [k('a')]: 'p', [k('b')]: 'p' } })
    const offered = [{ key: k('n'), bytes: 10 * MB, peers: 1 }]
    const one = run({ settings: { ...settings, maxTotalBytes: 20 * MB }, held: [held(k('a'), 10 * MB, { lastUsed: 1 }), held(k('b'), 10 * MB, { lastUsed: 9 })], offered, region: at })
    expect(one.evict).toEqual([{ key: k('b'), reason: 'no-space' }])
    const none = run({ settings: { ...settings, maxTotalBytes: 10 * MB }, held: [held(k('a'), 10 * MB)], offered, region: at })
    expect(none.evict).toEqual([])
    expect(none.skipped).toEqual([{ key: k('n'), reason: 'no-space' }])
  })

  it('when the cap is lowered, gives up extra copies before a drive\'s last copies', () => {
    const d = run({
      settings: { ...settings, maxTotalBytes: 15 * MB },
      held: [held(k('a'), 10 * MB, { lastUsed: 1 }), held(k('b'), 10 * MB, { lastUsed: 9 })],
      region: region({ holders: { [k('a')]: ['p'], [k('b')]: ['p', 'x', 'y'] }, publisher: { [k('a')]: 'p', [k('b')]: 'p' } })
    })
    expect(d.evict).toEqual([{ key: k('b'), reason: 'no-space' }])
  })

  it('a node alone with the publishers (no other node connected or holding a copy) keeps what visitors used last, as decide() does', () => {
    const input = {
      settings: { ...settings, maxTotalBytes: 20 * MB },
      held: [held(k('a'), 10 * MB, { lastUsed: 1 }), held(k('b'), 10 * MB, { lastUsed: 9 })],
      offered: [{ key: k('n'), bytes: 10 * MB, peers: 3 }],
      blocked: [],
      coolingDown: new Set<string>(),
      now
    }
    const publishers = { [k('a')]: 'p', [k('b')]: 'p', [k('n')]: 'p' }
    const lonely = place({ ...input, region: region({ nodes: [{ key: SELF }, { key: 'p' }], holders: { [k('n')]: ['p'], [k('a')]: ['p'], [k('b')]: ['p'] }, publisher: publishers }) })
    expect(lonely).toEqual({ ...decide(input), elsewhere: [] })
    expect(lonely.evict).toEqual([{ key: k('a'), reason: 'no-space' }])
    // A holder that left within its grace period is still the region: placement, not LRU, so no copy goes below
    // target (a has exactly 2 with it, b has 1) to take a third drive.
    const withHolder = place({ ...input, region: region({ nodes: [{ key: SELF }, { key: 'p' }], holders: { [k('n')]: ['p'], [k('a')]: ['p', 'gone'], [k('b')]: ['p'] }, publisher: publishers }) })
    expect(withHolder.evict).toEqual([])
    expect(withHolder.skipped).toEqual([{ key: k('n'), reason: 'no-space' }])
    expect(alone(region({ holders: { [k('a')]: ['p', 'gone'] }, publisher: publishers }), [k('a')])).toBe(false)
    expect(alone(region({ nodes: [{ key: SELF }, { key: 'p' }], holders: { [k('a')]: ['p'] }, publisher: publishers }), [k('a')])).toBe(true)
  })

  it('never evicts own, pinned or followed drives, even to repair another drive', () => {
    const d = run({
      settings: { ...settings, maxTotalBytes: 30 * MB, follow: [k('f')] },
      held: [held(k('o'), 10 * MB, { own: true, lastUsed: 1 }), held(k('p'), 10 * MB, { pinned: true, lastUsed: 1 }), held(k('f'), 10 * MB, { followed: true, lastUsed: 1 })],
      offered: [{ key: k('n'), bytes: 10 * MB, peers: 1 }],
      region: region({ holders: { [k('n')]: ['q'], [k('p')]: ['q', 'x', 'y', 'z'], [k('f')]: ['q', 'x', 'y', 'z'] }, publisher: { [k('n')]: 'q', [k('o')]: SELF, [k('p')]: 'q', [k('f')]: 'q' } })
    })
    expect(d.evict).toEqual([])
    expect(d.skipped).toEqual([{ key: k('n'), reason: 'no-space' }])
  })

  it('makes room for a followed drive even at the cost of a copy at target', () => {
    const d = run({
      settings: { ...settings, maxTotalBytes: 10 * MB, follow: [k('f')] },
      held: [held(k('a'), 10 * MB)],
      offered: [{ key: k('f'), bytes: 10 * MB, peers: 3 }],
      region: region({ holders: { [k('a')]: ['p', 'x'], [k('f')]: ['p', 'x', 'y'] }, publisher: { [k('a')]: 'p', [k('f')]: 'p' } })
    })
    expect(d.mirror).toEqual([k('f')])
    expect(d.evict).toEqual([{ key: k('a'), reason: 'no-space' }])
  })
})

describe('region placement: churn', () => {
  it('repairs every drive to target within 3 rounds after a holder leaves, moving no more than 1.5× what it lost', () => {
    const sim = mixedRegion(20, 200)
    sim.settle()
    const leaving = [...sim.nodes.values()][7]
    const lost = [...leaving.copies.keys()].filter(d => sim.drives.get(d)!.publisher !== leaving.key)
    sim.removeNode(leaving.key)
    let moved = 0
    for (let round = 1; round <= 3; round++) moved += sim.step().bytesTaken
    expect(Math.min(...allCopies(sim))).toBeGreaterThanOrEqual(2)
    const lostBytes = lost.reduce((n, d) => n + sim.drives.get(d)!.bytes, 0)
    expect(moved).toBeLessThanOrEqual(1.5 * lostBytes)
  })

  it('stops moving anything once converged: 50 steady rounds evict and fetch nothing', () => {
    const sim = mixedRegion(20, 200, 7)
    expect(sim.settle()).toBeLessThan(20)
    sim.removeNode('node-3')
    sim.settle()
    for (let round = 0; round < 50; round++) {
      const r = sim.step()
      expect(r.evictions + r.takes).toBe(0)
    }
    expect(Math.min(...allCopies(sim))).toBeGreaterThanOrEqual(2)
  })

  it('keeps a drive whose publisher left, and repairs it like any other', () => {
    const sim = equalRegion(8, 1, 4)
    sim.settle()
    const drive = 'drive-2-0'
    sim.removeNode('node-2')
    while (sim.copiesOf(drive) > 1) sim.removeNode([...sim.holders.get(drive)!][0])
    expect(sim.lost(drive)).toBe(false)
    sim.settle()
    expect(sim.copiesOf(drive)).toBe(2)
  })

  it('counts a holder that went quiet for the grace period (60 s by default), and not after', () => {
    const seen = new Map([['a', now], ['b', now - 59_000], ['c', now - 61_000]])
    expect([...countedHolders(seen, now)]).toEqual(['a', 'b'])
    expect([...countedHolders(seen, now, 1000)]).toEqual(['a'])
  })

  it('decides the same from an index built once per round as from the region alone', () => {
    const sim = mixedRegion(12, 120, 3)
    sim.settle()
    sim.removeNode('node-5')
    for (const key of sim.nodes.keys()) {
      const input = sim.placementInput(key)
      expect(place({ ...input, index: undefined }), key).toEqual(place(input))
    }
  })

  it('ranks the nodes for a drive the same way whatever order they are known in', () => {
    const nodes = Array.from({ length: 50 }, (_, i) => `node-${i}`)
    expect(rank(k('x'), [...nodes].reverse())).toEqual(rank(k('x'), nodes))
    expect(rank(k('y'), nodes)).not.toEqual(rank(k('x'), nodes))
  })
})

describe('region placement: the rules decide() already had', () => {
  const offered = [{ key: k('a'), bytes: MB, peers: 1 }, { key: k('b'), bytes: MB, peers: 1 }, { key: k('c'), bytes: MB, peers: 1 }]

  it('never takes blocked or denied drives, and in "followed" mode only followed ones', () => {
    const d = run({ offered, blocked: [k('a')], settings: { ...settings, deny: [k('b')] } })
    expect(d.mirror).toEqual([k('c')])
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'blocked' }, { key: k('b'), reason: 'denied' }])
    const f = run({ offered, settings: { ...settings, mirror: 'followed', follow: [k('c')] } })
    expect(f.mirror).toEqual([k('c')])
    expect(f.skipped).toEqual([{ key: k('a'), reason: 'not-followed' }, { key: k('b'), reason: 'not-followed' }])
  })

  it('skips a drive larger than the per-drive cap, and evicts one that outgrew it', () => {
    const d = run({ offered: [{ key: k('a'), bytes: 101 * MB, peers: 1 }], held: [held(k('b'), 150 * MB)] })
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'too-large' }])
    expect(d.evict).toEqual([{ key: k('b'), reason: 'too-large' }])
  })

  it('does not take back an extra copy it evicted recently, but repairs a drive below target at once', () => {
    const d = run({
      offered: [{ key: k('a'), bytes: MB, peers: 3 }, { key: k('b'), bytes: MB, peers: 1 }],
      coolingDown: new Set([k('a'), k('b')]),
      region: region({ holders: { [k('a')]: ['p', 'x', 'y'], [k('b')]: ['p'] }, publisher: { [k('a')]: 'p', [k('b')]: 'p' } })
    })
    expect(d.mirror).toEqual([k('b')])
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'cooling-down' }])
  })

  it('probes a bounded number of unverified drives at once, so thousands of fake offers cost little', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ key: i.toString(36).padStart(52, 'y'), bytes: 0, peers: 1 }))
    const d = run({ offered: many })
    expect(d.mirror).toHaveLength(16)
    expect(d.skipped.filter(s => s.reason === 'probe-limit')).toHaveLength(984)
  })

  it('drops a drive whose metadata never arrived, after the probe timeout', () => {
    expect(run({ held: [held(k('a'), 0, { known: false, addedAt: now - 61_000 })] }).evict).toEqual([{ key: k('a'), reason: 'no-metadata' }])
  })

  it('refuses a copy target outside 1–16 with a message that says what to use', () => {
    expect(() => run({ region: region({ copies: 0 }) })).toThrow(/whole number from 1 to 16/)
    expect(() => run({ region: region({ copies: 17 }) })).toThrow(/whole number from 1 to 16/)
  })
})
