// The catalogue is what a node tells each peer about the drives it holds. Peers are untrusted: every field is
// checked and capped here, before any other part of the node sees it.
import { isKeyText } from '../storage/drive-key.js'

export interface CatalogueEntry {
  key: string
  title: string
  description: string
  /** Size of the latest version as the sender counts it; re-checked against the verified metadata later. */
  bytes: number
  files: number
  version: number
  /** True when the sender wrote the drive (it is its publisher). */
  own: boolean
}

export interface Catalogue {
  drives: CatalogueEntry[]
  /** Drives the sender refuses (blocked there): peers do not offer them back. */
  refuses: string[]
}

export const MAX_CATALOGUE_ENTRIES = 1000
export const MAX_CATALOGUE_BYTES = 512 * 1024

export function encodeCatalogue (cat: Catalogue): Buffer {
  return Buffer.from(JSON.stringify({ d: cat.drives.slice(0, MAX_CATALOGUE_ENTRIES), r: cat.refuses.slice(0, MAX_CATALOGUE_ENTRIES) }))
}

/** Returns null for anything that is not a well-formed catalogue; drops malformed entries one by one. */
export function decodeCatalogue (buf: Buffer): Catalogue | null {
  if (!Buffer.isBuffer(buf) || buf.length > MAX_CATALOGUE_BYTES) return null
  let raw: any
  try { raw = JSON.parse(buf.toString('utf8')) } catch { return null }
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.d)) return null
  const drives: CatalogueEntry[] = []
  const seen = new Set<string>()
  for (const e of raw.d.slice(0, MAX_CATALOGUE_ENTRIES)) {
    if (!e || typeof e !== 'object' || !isKeyText(e.key) || e.key.length !== 52 || seen.has(e.key)) continue
    seen.add(e.key)
    drives.push({
      key: e.key,
      title: str(e.title, 120),
      description: str(e.description, 1000),
      bytes: nat(e.bytes),
      files: nat(e.files),
      version: nat(e.version),
      own: e.own === true
    })
  }
  const refuses = Array.isArray(raw.r) ? raw.r.filter((k: unknown) => isKeyText(k)).slice(0, MAX_CATALOGUE_ENTRIES) : []
  return { drives, refuses }
}

function str (v: unknown, max: number): string {
  return typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max) : ''
}

function nat (v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0
}
