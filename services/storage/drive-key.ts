// Drive and node keys travel as z-base-32 (52 characters), the form the CLI prints; hex (64) is accepted on input.
import * as id from 'hypercore-id-encoding'
import { BAD_KEY } from '../errors.js'

/** The z-base-32 alphabet (hypercore-id-encoding's), for patterns that check a key's text. */
export const Z32_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769'
const Z32 = new RegExp(`^[${Z32_ALPHABET}]{52}$`)
const HEX = /^[0-9a-f]{64}$/i

export function parseKey (text: string): Buffer {
  const s = String(text).trim()
  if (!Z32.test(s) && !HEX.test(s)) {
    throw BAD_KEY(`"${s.slice(0, 80)}" is not a drive key: expected 52 z-base-32 characters (as printed by p2p-portal) or 64 hex digits.`, { reason: 'badKey', text: s.slice(0, 80) })
  }
  return id.decode(s.toLowerCase())
}

export function isKeyText (text: unknown): text is string {
  return typeof text === 'string' && (Z32.test(text) || HEX.test(text))
}

export function keyText (key: Buffer): string {
  return id.encode(key)
}
