import { describe, it, expect } from 'vitest'
import { decide, type HeldDrive, type PolicySettings } from '../../services/mirror/mirror-policy.js'

const MB = 1024 * 1024
const settings: PolicySettings = { mirror: 'all', maxDriveBytes: 100 * MB, maxTotalBytes: 300 * MB, deny: [], follow: [], probeTimeoutMs: 60_000, maxProbing: 16 }
const now = 1_000_000
const k = (c: string) => c.repeat(52)
const held = (key: string, bytes: number, over: Partial<HeldDrive> = {}): HeldDrive =>
  ({ key, own: false, pinned: false, followed: false, bytes, localBytes: bytes, lastUsed: now - 1000, known: true, addedAt: now - 100_000, ...over })
const run = (over: Partial<Parameters<typeof decide>[0]>) =>
  decide({ settings, held: [], offered: [], blocked: [], coolingDown: new Set(), now, ...over })

describe('mirror policy', () => {
  it('mirrors every drive peers offer, by default', () => {
    const d = run({ offered: [{ key: k('a'), bytes: MB, peers: 1 }, { key: k('b'), bytes: MB, peers: 2 }] })
    expect(d.mirror.sort()).toEqual([k('a'), k('b')])
  })

  it('skips a drive larger than the per-drive cap and says why', () => {
    const d = run({ offered: [{ key: k('a'), bytes: 101 * MB, peers: 1 }] })
    expect(d.mirror).toEqual([])
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'too-large' }])
  })

  it('evicts the least recently used unpinned drives to make room, and never own, pinned or followed ones', () => {
    const d = run({
      held: [
        held(k('o'), 90 * MB, { own: true, lastUsed: 1 }),
        held(k('p'), 90 * MB, { pinned: true, lastUsed: 2 }),
        held(k('x'), 50 * MB, { lastUsed: now - 50 }),
        held(k('y'), 50 * MB, { lastUsed: now - 500 })
      ],
      offered: [{ key: k('n'), bytes: 60 * MB, peers: 1 }]
    })
    expect(d.mirror).toEqual([k('n')])
    expect(d.evict).toEqual([{ key: k('y'), reason: 'no-space' }])
  })

  it('does not evict anything when even evicting everything would not make room', () => {
    const d = run({
      held: [held(k('o'), 250 * MB, { own: true }), held(k('x'), 20 * MB)],
      offered: [{ key: k('n'), bytes: 90 * MB, peers: 1 }]
    })
    expect(d.mirror).toEqual([])
    expect(d.evict).toEqual([])
    expect(d.skipped).toEqual([{ key: k('n'), reason: 'no-space' }])
  })

  it('evicts until the total fits again when the cap is lowered', () => {
    const d = decide({ settings: { ...settings, maxTotalBytes: 60 * MB }, held: [held(k('a'), 50 * MB, { lastUsed: 5 }), held(k('b'), 50 * MB, { lastUsed: 9 })], offered: [], blocked: [], coolingDown: new Set(), now })
    expect(d.evict).toEqual([{ key: k('a'), reason: 'no-space' }])
  })

  it('evicts a mirrored drive whose new version outgrew the per-drive cap', () => {
    expect(run({ held: [held(k('a'), 150 * MB)] }).evict).toEqual([{ key: k('a'), reason: 'too-large' }])
  })

  it('never takes blocked or denied drives, and in "followed" mode only followed ones', () => {
    const offered = [{ key: k('a'), bytes: 1, peers: 1 }, { key: k('b'), bytes: 1, peers: 1 }, { key: k('c'), bytes: 1, peers: 1 }]
    const d = run({ offered, blocked: [k('a')], settings: { ...settings, deny: [k('b')] } })
    expect(d.mirror).toEqual([k('c')])
    expect(d.skipped).toEqual(expect.arrayContaining([{ key: k('a'), reason: 'blocked' }, { key: k('b'), reason: 'denied' }]))
    const f = run({ offered, settings: { ...settings, mirror: 'followed', follow: [k('c')] } })
    expect(f.mirror).toEqual([k('c')])
  })

  it('does not take back a drive it evicted recently, so two drives cannot evict each other forever', () => {
    const d = run({ offered: [{ key: k('a'), bytes: 1, peers: 1 }], coolingDown: new Set([k('a')]) })
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'cooling-down' }])
  })

  it('probes a bounded number of unverified drives at once, so thousands of fake offers cost little', () => {
    const offered = Array.from({ length: 1000 }, (_, i) => ({ key: i.toString(36).padStart(52, 'y'), bytes: 0, peers: 1 }))
    const d = run({ offered })
    expect(d.mirror).toHaveLength(16)
    expect(d.skipped.filter(s => s.reason === 'probe-limit')).toHaveLength(984)
  })

  it('drops a drive whose metadata never arrived, after the probe timeout', () => {
    const d = run({ held: [held(k('a'), 0, { known: false, addedAt: now - 61_000 })] })
    expect(d.evict).toEqual([{ key: k('a'), reason: 'no-metadata' }])
  })

  it('prefers drives that more peers hold when space is short', () => {
    const d = decide({ settings: { ...settings, maxTotalBytes: 100 * MB }, held: [], blocked: [], coolingDown: new Set(), now,
      offered: [{ key: k('a'), bytes: 80 * MB, peers: 1 }, { key: k('b'), bytes: 80 * MB, peers: 3 }] })
    expect(d.mirror).toEqual([k('b')])
  })
})

describe('mirror policy on a small card (free space as a cap)', () => {
  const card = { ...settings, maxDriveBytes: 4096 * MB, maxTotalBytes: 16 * 1024 * MB, reserveBytes: 30 * MB }
  const onCard = (freeBytes: number, over: Partial<Parameters<typeof decide>[0]> = {}) =>
    decide({ settings: card, held: [], offered: [], blocked: [], coolingDown: new Set(), now, freeBytes, ...over })

  it('refuses, before writing anything, a drive larger than the free space less the reserve, with reason no-space', () => {
    const d = onCard(60 * MB, { offered: [{ key: k('a'), bytes: 177 * MB, peers: 1 }, { key: k('b'), bytes: 20 * MB, peers: 1 }] })
    expect(d.mirror).toEqual([k('b')])
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'no-space' }])
  })

  it('counts what drives being mirrored still have to download against the free space', () => {
    const d = onCard(80 * MB, {
      held: [held(k('x'), 40 * MB, { localBytes: 10 * MB })],
      offered: [{ key: k('a'), bytes: 25 * MB, peers: 1 }, { key: k('b'), bytes: 20 * MB, peers: 1 }]
    })
    // 80 free − 30 reserve − 30 still to come for x = 20 MB of room.
    expect(d.mirror).toEqual([k('b')])
    expect(d.skipped).toEqual([{ key: k('a'), reason: 'no-space' }])
  })

  it('lets a drive under way dip into the reserve (its write-ahead log needs room for a while)', () => {
    const d = onCard(35 * MB, { held: [held(k('x'), 30 * MB, { localBytes: 15 * MB })] })
    expect(d.evict).toEqual([])
  })

  it('on a full card takes nothing new, evicts no drive for missing metadata, and takes drives again once space is back', () => {
    const probing = held(k('p'), 0, { known: false, addedAt: now - 61_000 })
    const full = onCard(1 * MB, { held: [probing], offered: [{ key: k('a'), bytes: 1, peers: 1 }] })
    expect(full.mirror).toEqual([])
    expect(full.evict.filter(e => e.reason === 'no-metadata')).toEqual([])
    expect(full.skipped).toEqual([{ key: k('a'), reason: 'no-space' }])
    const back = onCard(200 * MB, { offered: [{ key: k('a'), bytes: 100 * MB, peers: 1 }] })
    expect(back.mirror).toEqual([k('a')])
  })

  it('stops a mirror that can no longer complete on the card (least recently used first), without a cool-down', () => {
    const d = onCard(40 * MB, {
      held: [held(k('x'), 50 * MB, { localBytes: 5 * MB, lastUsed: 1 }), held(k('y'), 20 * MB, { localBytes: 15 * MB, lastUsed: 2 }), held(k('z'), 30 * MB)]
    })
    // A drive under way may use half the reserve: 40 free − 15 = 25 MB; x and y still need 45 + 5, y alone 5.
    expect(d.evict).toEqual([{ key: k('x'), reason: 'no-space', disk: true }])
  })

  it('ignores the card when its free space is unknown', () => {
    const d = onCard(null as unknown as number, { offered: [{ key: k('a'), bytes: 90 * MB, peers: 1 }] })
    expect(d.mirror).toEqual([k('a')])
  })
})
