// Peer slots under a flood of peers with self-made keys: the LAN's own nodes always get in.
import { describe, it, expect } from 'vitest'
import { PeerAdmission, type Seat } from '../../services/replication/peer-admission.js'

const limits = { maxPeers: 8, maxUnvouched: 3, maxPerAddress: 2, maxPendingPerAddress: 2 }
const seat = (key: string, o: Partial<Seat> = {}): Seat => ({ key, address: '10.0.0.9', vouched: false, since: 0, hasDrives: false, ...o })

describe('peer admission', () => {
  it('lets unannounced peers share a few slots, a few per address', () => {
    const a = new PeerAdmission(limits)
    expect(a.admit({ key: 'x1', address: '10.0.0.9', vouched: false }, [])).toEqual({ admit: true })
    expect(a.admit({ key: 'x3', address: '10.0.0.9', vouched: false }, [seat('x1'), seat('x2')])).toMatchObject({ admit: false, why: expect.stringContaining('10.0.0.9') })
    expect(a.admit({ key: 'y1', address: '10.0.0.7', vouched: false }, [seat('x1'), seat('x2')])).toEqual({ admit: true })
    expect(a.admit({ key: 'z1', address: '10.0.0.5', vouched: false }, [seat('x1'), seat('x2'), seat('y1', { address: '10.0.0.7' })])).toMatchObject({ admit: false })
  })

  it('admits a node seen over mDNS even when the flood holds every unannounced slot', () => {
    const a = new PeerAdmission(limits)
    const flood = [seat('x1'), seat('x2'), seat('y1', { address: '10.0.0.7' })]
    expect(a.admit({ key: 'real', address: '10.0.0.2', vouched: true }, flood)).toEqual({ admit: true })
  })

  it('makes room for a known node on a full node by dropping an unannounced peer that offers nothing, newest first', () => {
    const a = new PeerAdmission(limits)
    const full = [
      ...Array.from({ length: 5 }, (_, i) => seat(`k${i}`, { vouched: true, address: `10.0.1.${i}` })),
      seat('offers', { hasDrives: true, since: 1 }), seat('old', { since: 2 }), seat('new', { since: 3, address: '10.0.0.7' })
    ]
    expect(a.admit({ key: 'real', address: '10.0.0.2', vouched: true }, full)).toEqual({ admit: true, evict: 'new' })
    expect(a.admit({ key: 'x9', address: '10.0.0.8', vouched: false }, full)).toMatchObject({ admit: false })
    const allKnown = Array.from({ length: 8 }, (_, i) => seat(`k${i}`, { vouched: true }))
    expect(a.admit({ key: 'real', address: '10.0.0.2', vouched: true }, allKnown)).toMatchObject({ admit: false })
  })

  it('bounds handshakes under way from one address', () => {
    const a = new PeerAdmission(limits)
    expect(a.handshakeStarts('10.0.0.9')).toBe(true)
    expect(a.handshakeStarts('10.0.0.9')).toBe(true)
    expect(a.handshakeStarts('10.0.0.9')).toBe(false)
    expect(a.handshakeStarts('10.0.0.2')).toBe(true)
    a.handshakeDone('10.0.0.9')
    expect(a.handshakeStarts('10.0.0.9')).toBe(true)
  })
})
