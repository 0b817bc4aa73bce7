// The drive a visitor asks for: the library's copy when this node holds it, else the same drive opened sparse
// from the peers that offer it (browse-cache.ts). Only drives a connected peer offers are opened that way: a
// visitor cannot make this node fetch arbitrary keys from the network.
import type { NodeContext } from './node-context.js'
import type { LibraryDrive } from '../storage/library-drive.js'
import { keyText, parseKey } from '../storage/drive-key.js'
import { NO_HOLDER } from '../errors.js'

/** `touch`: counts as a visitor's use, for the least-recently-used orders of the library and the browse cache. */
export async function openDrive (ctx: NodeContext, keyInput: string, touch = true): Promise<LibraryDrive> {
  const key = keyText(parseKey(keyInput))
  const { library, mirror, browse } = ctx
  // Held drives (or being opened by the library), blocked ones and nodes without a cache take the library's answer.
  if (browse?.has(key) && (library.isBlocked(key) || mirror.settings.deny.includes(key))) {
    // Blocked by the organiser after a visitor browsed it: its blocks go now, not when the cache is full.
    browse.evict(key).catch(() => { /* deleted at the next start at the latest (browse.json) */ })
  }
  if (!browse || library.has(key) || library.record(key) || library.isBlocked(key) || mirror.settings.deny.includes(key)) return library.require(key, touch)
  const offer = mirror.offered().find(o => o.entry.key === key)
  if (!offer) {
    if (browse.knows(key)) throw NO_HOLDER('No node that holds this drive can be reached now. Try again when one is back nearby.', { reason: 'noHolder' })
    return library.require(key, touch)
  }
  const d = await browse.browse(key)
  // Until its own metadata file arrives (blocks on demand), the drive is named as its holders name it.
  if (!d.info.title) d.info = { title: offer.entry.title, description: offer.entry.description }
  return d
}
