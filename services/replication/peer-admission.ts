// Who may hold one of a node's peer slots. Anyone can complete a Noise handshake with a key of their own
// making, so a flood of such peers must never crowd out the nodes of the LAN: those seen over mDNS, dialled
// by us, or met before keep slots; peers nobody vouches for share a few slots, a few per address, and give
// theirs up first.

export interface AdmissionLimits {
  /** Connections in all. */
  maxPeers: number
  /** Connections from peers nobody vouches for, together. */
  maxUnvouched: number
  /** Such connections from one address. */
  maxPerAddress: number
  /** Handshakes under way from one address (a half-open flood from one host). */
  maxPendingPerAddress: number
}

export const DEFAULT_LIMITS: AdmissionLimits = { maxPeers: 64, maxUnvouched: 16, maxPerAddress: 4, maxPendingPerAddress: 4 }

export interface Seat { key: string, address: string, vouched: boolean, since: number, hasDrives: boolean }

export type Verdict = { admit: true, evict?: string } | { admit: false, why: string }

export class PeerAdmission {
  private readonly pending = new Map<string, number>()

  constructor (readonly limits: AdmissionLimits = DEFAULT_LIMITS) {}

  /** A handshake from `address` may start; each true must be matched by one handshakeDone(). */
  handshakeStarts (address: string): boolean {
    const n = this.pending.get(address) ?? 0
    if (n >= this.limits.maxPendingPerAddress) return false
    this.pending.set(address, n + 1)
    return true
  }

  handshakeDone (address: string): void {
    const n = (this.pending.get(address) ?? 1) - 1
    if (n <= 0) this.pending.delete(address)
    else this.pending.set(address, n)
  }

  /** Whether `peer` may take a slot among `seated`, and which unvouched peer to drop for it if the node is full. */
  admit (peer: Omit<Seat, 'since' | 'hasDrives'>, seated: Seat[]): Verdict {
    const unvouched = seated.filter(s => !s.vouched)
    if (peer.vouched) {
      if (seated.length < this.limits.maxPeers) return { admit: true }
      // Full: the unvouched peer offering nothing goes first, then the one that came last.
      const victim = [...unvouched].sort((a, b) => Number(a.hasDrives) - Number(b.hasDrives) || b.since - a.since)[0]
      return victim ? { admit: true, evict: victim.key } : { admit: false, why: 'every slot is held by a known node' }
    }
    if (seated.length >= this.limits.maxPeers) return { admit: false, why: 'no free slot' }
    if (unvouched.length >= this.limits.maxUnvouched) return { admit: false, why: 'the slots for unannounced peers are taken' }
    if (unvouched.filter(s => s.address === peer.address).length >= this.limits.maxPerAddress) {
      return { admit: false, why: `too many unannounced peers from ${peer.address}` }
    }
    return { admit: true }
  }
}
