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
  /** The sender never gives this drive up (its own, pinned or followed there). Absent from older nodes. */
  keeps?: boolean
  /** The sender holds every block of the latest version. Absent from older nodes: not counted as a copy. */
  complete?: boolean
}

/** What the sender's disk allows, so that every node of the region works out the same placement. */
export interface NodeFigures {
  /** Its total cap for drives (max-total-size). */
  capBytes: number
  /** What its drives take now, its own included, and what mirrors under way will take. */
  usedBytes: number
  /** Its per-drive cap (max-drive-size). */
  maxDriveBytes: number
  /** `followed`: it takes no drive for the region. */
  mirror: 'all' | 'followed'
}

export interface Catalogue {
  drives: CatalogueEntry[]
  /** Drives the sender refuses (blocked there): peers do not offer them back. */
  refuses: string[]
  /** Absent from older nodes: they are assumed to have room. */
  node?: NodeFigures
}

export const MAX_CATALOGUE_ENTRIES = 1000
export const MAX_CATALOGUE_BYTES = 512 * 1024

export function encodeCatalogue (cat: Catalogue): Buffer {
  // Older nodes read only `d` and `r`, and ignore unknown fields in entries.
  return Buffer.from(JSON.stringify({ d: cat.drives.slice(0, MAX_CATALOGUE_ENTRIES), r: cat.refuses.slice(0, MAX_CATALOGUE_ENTRIES), ...(cat.node ? { n: cat.node } : {}) }))
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
    const entry: CatalogueEntry = {
      key: e.key,
      title: str(e.title, 120),
      description: str(e.description, 1000),
      bytes: nat(e.bytes),
      files: nat(e.files),
      version: nat(e.version),
      own: e.own === true
    }
    if (typeof e.keeps === 'boolean') entry.keeps = e.keeps
    if (typeof e.complete === 'boolean') entry.complete = e.complete
    drives.push(entry)
  }
  const refuses = Array.isArray(raw.r) ? raw.r.filter((k: unknown) => isKeyText(k)).slice(0, MAX_CATALOGUE_ENTRIES) : []
  const node = figures(raw.n)
  return node ? { drives, refuses, node } : { drives, refuses }
}

/** All or nothing: figures that do not add up would mislead every node's placement. */
function figures (n: any): NodeFigures | null {
  if (!n || typeof n !== 'object') return null
  const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
  if (!ok(n.capBytes) || !ok(n.usedBytes) || !ok(n.maxDriveBytes) || (n.mirror !== 'all' && n.mirror !== 'followed')) return null
  return { capBytes: n.capBytes, usedBytes: n.usedBytes, maxDriveBytes: n.maxDriveBytes, mirror: n.mirror }
}

function str (v: unknown, max: number): string {
  return typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max) : ''
}

function nat (v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0
}
