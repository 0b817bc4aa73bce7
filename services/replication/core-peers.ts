// Who is replicating a drive with this node, read from the drive's own cores rather than from catalogues.
// Peers that speak plain Hypercore (the stock `drives` CLI, another Hyperdrive app) send no catalogue, but
// every Hypercore peer tells which blocks it has (its length and bitfield ranges): that is enough to know it
// holds the whole drive, and so that it is one of the region's copies.
import { keyText } from '../storage/drive-key.js'

/** The parts of a hypercore 11 replication peer read here. */
interface CorePeer { remotePublicKey?: Buffer | null, remoteLength: number, remoteContiguousLength: number }
interface Core { length: number, peers?: readonly CorePeer[] }

/**
 * Remote node key → whether it holds every block of both cores (metadata and file bytes) up to the longer of
 * its length and ours. With the file-bytes core not loaded yet nobody can be said to hold it whole.
 */
export function corePeers (metadata: Core | null, blobs: Core | null): Map<string, boolean> {
  const seen = new Map<string, boolean>()
  // Its cores not open yet (a mirror right after a start): no peer is seen replicating it.
  if (metadata === null) return seen
  // A drive with no file bytes yet has an empty blobs core on both sides: its metadata is the whole drive.
  const wholeOn = (core: Core, emptyIsWhole: boolean): Set<string> => {
    const whole = new Set<string>()
    for (const p of core.peers ?? []) {
      if (!p.remotePublicKey) continue
      const length = Math.max(core.length, p.remoteLength)
      if ((length > 0 || emptyIsWhole) && p.remoteContiguousLength >= length) whole.add(keyText(p.remotePublicKey))
    }
    return whole
  }
  const meta = wholeOn(metadata, false)
  const bytes = blobs === null ? new Set<string>() : wholeOn(blobs, true)
  for (const p of metadata.peers ?? []) {
    if (!p.remotePublicKey) continue
    const key = keyText(p.remotePublicKey)
    seen.set(key, meta.has(key) && bytes.has(key))
  }
  return seen
}
