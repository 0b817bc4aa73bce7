// Rendezvous (highest-random-weight) hashing: every node of a region ranks the nodes for a drive in the same
// order without asking anyone, and a node joining or leaving changes only the drives it ranks high for.
import { createHash } from 'node:crypto'

/** Two 32-bit halves of a key's SHA-256: hashed once per key, so ranking a pair costs a few multiplies. */
export type Seed = readonly [number, number]

const seeds = new Map<string, Seed>()
// Keys come from peers: bound the memo so a flood of offers cannot grow it without end.
const MAX_SEEDS = 1 << 17

export function seedOf (key: string): Seed {
  let seed = seeds.get(key)
  if (seed) return seed
  const digest = createHash('sha256').update(key).digest()
  seed = [digest.readUInt32LE(0), digest.readUInt32LE(4)]
  if (seeds.size >= MAX_SEEDS) seeds.clear()
  seeds.set(key, seed)
  return seed
}

/** murmur3's finaliser: every input bit flips about half the output bits. */
function fmix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The weight of `node` for `drive`, an integer below 2^53 (exact in a double, so every node, on any CPU,
 * sorts the same way). Both halves of both seeds go through two mixing rounds, so a drive's order of nodes
 * does not predict another drive's.
 */
export function weight (drive: Seed, node: Seed): number {
  const a = fmix32(drive[0] ^ node[1])
  const b = fmix32(drive[1] ^ Math.imul(node[0] ^ a, 0x9e3779b1))
  const c = fmix32(a ^ Math.imul(b, 0x27d4eb2f))
  return c * 0x200000 + (b >>> 11)
}

/** True when `x` ranks before `y` for a drive: higher weight first, the key breaking an (unlikely) tie. */
export function ranksBefore (wx: number, x: string, wy: number, y: string): boolean {
  return wx > wy || (wx === wy && x < y)
}

/** Every node in rendezvous order for `driveKey`: the same list on every node that knows the same nodes. */
export function rank (driveKey: string, nodeKeys: Iterable<string>): string[] {
  const d = seedOf(driveKey)
  const weighted = [...nodeKeys].map(key => ({ key, w: weight(d, seedOf(key)) }))
  weighted.sort((x, y) => ranksBefore(x.w, x.key, y.w, y.key) ? -1 : 1)
  return weighted.map(x => x.key)
}
