// A release's manifest: what the maintainer published, checked strictly because a root helper acts on it.
// Per-file hashes rather than one archive hash: a Hyperdrive already stores the tree file by file, so each file
// is streamed, hashed and written once (no archive to download whole, unpack, and hold twice on a small SD card,
// no tar code in the root helper), and a refusal can name the one file that is wrong.
import { UpdateError } from './update-error.js'

export interface ReleaseFile {
  /** Relative to the app tree's root, '/'-separated: 'bin/p2p-portal.js'. */
  path: string
  size: number
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string
  /** bin/p2p-portal.js is started directly by systemd (ExecStart), so the executable bit is part of the release. */
  executable: boolean
}

export interface ReleaseManifest {
  version: string
  /** The oldest running version that may update straight to this one. */
  minVersion: string
  notes: string
  /** Sum of the files' sizes, in bytes. */
  size: number
  files: ReleaseFile[]
}

export interface Version {
  major: number
  minor: number
  patch: number
  prerelease: Array<string | number>
}

export const MAX_MANIFEST_BYTES = 8 * 2 ** 20
const MAX_FILES = 200_000
const MAX_NOTES = 20_000
const MAX_PATH = 1024
/** Without these the new version could not start, and the rollback would be the only thing that works. */
export const REQUIRED_FILES = ['package.json', 'bin/p2p-portal.js']

const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/
const SHA256_RE = /^[0-9a-f]{64}$/
const TOP_KEYS = new Set(['version', 'minVersion', 'notes', 'size', 'files'])
const FILE_KEYS = new Set(['path', 'size', 'sha256', 'executable'])

/** x.y.z with an optional -prerelease (semver's rules, no +build): the version also names a folder on disk. */
export function parseVersion (text: unknown): Version | null {
  if (typeof text !== 'string' || text.length > 64) return null
  const m = VERSION_RE.exec(text)
  if (m === null) return null
  const nums = [m[1], m[2], m[3]].map(Number)
  if (nums.some(n => !Number.isSafeInteger(n))) return null
  const prerelease: Array<string | number> = []
  for (const id of m[4]?.split('.') ?? []) {
    if (/^\d+$/.test(id)) {
      if (id.length > 1 && id.startsWith('0')) return null
      const n = Number(id)
      if (!Number.isSafeInteger(n)) return null
      prerelease.push(n)
    } else {
      prerelease.push(id)
    }
  }
  return { major: nums[0], minor: nums[1], patch: nums[2], prerelease }
}

export function isVersion (text: unknown): text is string {
  return parseVersion(text) !== null
}

/** Negative when a is older than b, 0 when equal, positive when newer. Throws on a string that is not a version. */
export function compareVersions (a: string, b: string): number {
  const va = parseVersion(a)
  const vb = parseVersion(b)
  if (va === null || vb === null) throw new UpdateError('RELEASE_BAD_MANIFEST', `"${va === null ? a : b}" is not a version (x.y.z or x.y.z-tag).`)
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (va[k] !== vb[k]) return va[k] < vb[k] ? -1 : 1
  }
  // 1.0.0-rc.1 < 1.0.0: a release without a tag is newer than any of its pre-releases.
  if (va.prerelease.length === 0 || vb.prerelease.length === 0) return vb.prerelease.length - va.prerelease.length
  for (let i = 0; i < Math.max(va.prerelease.length, vb.prerelease.length); i++) {
    const x = va.prerelease[i]
    const y = vb.prerelease[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return 0
}

function bad (reason: string, details: Record<string, unknown> = {}): UpdateError {
  return new UpdateError('RELEASE_BAD_MANIFEST', `The release manifest is not valid: ${reason}.`, details)
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkPath (p: unknown, i: number): string {
  if (typeof p !== 'string' || p.length === 0) throw bad(`files[${i}].path must be a non-empty string`)
  if (p.length > MAX_PATH) throw bad(`files[${i}].path is longer than ${MAX_PATH} characters`)
  // The path becomes a file under the install root, written by root: nothing may point outside the release folder.
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0')) throw bad(`files[${i}].path "${p}" must be relative, with '/' separators`)
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad(`files[${i}].path "${p}" has an empty, "." or ".." part`)
  }
  return p
}

function checkSize (v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${what} must be a whole number of bytes, 0 or more`)
  return v
}

/** Parses manifest.json's text (or an already parsed value) into a ReleaseManifest, or throws RELEASE_BAD_MANIFEST naming the problem. */
export function parseManifest (input: string | Buffer | unknown): ReleaseManifest {
  let raw: unknown = input
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    if (input.length > MAX_MANIFEST_BYTES) throw bad(`it is larger than ${MAX_MANIFEST_BYTES} bytes`)
    try {
      raw = JSON.parse(input.toString())
    } catch (err) {
      throw bad(`it is not JSON (${(err as Error).message})`)
    }
  }
  if (!isPlainObject(raw)) throw bad('it must be a JSON object')
  const unknown = Object.keys(raw).filter(k => !TOP_KEYS.has(k))
  // Strict on purpose: a field this version does not understand might be one that matters for safety.
  if (unknown.length > 0) throw bad(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map(k => `"${k}"`).join(', ')}`)

  if (!isVersion(raw.version)) throw bad('"version" must look like 1.2.3 or 1.2.3-rc.1')
  if (!isVersion(raw.minVersion)) throw bad('"minVersion" must look like 1.2.3 or 1.2.3-rc.1')
  if (compareVersions(raw.minVersion, raw.version) > 0) throw bad(`"minVersion" ${raw.minVersion} is newer than "version" ${raw.version}`)
  if (typeof raw.notes !== 'string') throw bad('"notes" must be a string (it may be empty)')
  if (raw.notes.length > MAX_NOTES) throw bad(`"notes" is longer than ${MAX_NOTES} characters`)
  const size = checkSize(raw.size, '"size"')
  if (!Array.isArray(raw.files) || raw.files.length === 0) throw bad('"files" must be a non-empty list')
  if (raw.files.length > MAX_FILES) throw bad(`"files" lists more than ${MAX_FILES} files`)

  const files: ReleaseFile[] = []
  const seen = new Set<string>()
  let total = 0
  raw.files.forEach((f: unknown, i: number) => {
    if (!isPlainObject(f)) throw bad(`files[${i}] must be an object`)
    const extra = Object.keys(f).filter(k => !FILE_KEYS.has(k))
    if (extra.length > 0) throw bad(`files[${i}] has unknown field${extra.length > 1 ? 's' : ''} ${extra.map(k => `"${k}"`).join(', ')}`)
    const p = checkPath(f.path, i)
    if (seen.has(p)) throw bad(`"${p}" is listed twice`)
    seen.add(p)
    const fileSize = checkSize(f.size, `files[${i}].size`)
    if (typeof f.sha256 !== 'string' || !SHA256_RE.test(f.sha256)) throw bad(`files[${i}].sha256 must be 64 lower-case hex digits`)
    if (f.executable !== undefined && typeof f.executable !== 'boolean') throw bad(`files[${i}].executable must be true or false`)
    total += fileSize
    files.push({ path: p, size: fileSize, sha256: f.sha256, executable: f.executable === true })
  })
  for (const p of seen) {
    // 'a' and 'a/b' cannot both be files.
    for (let at = p.indexOf('/'); at !== -1; at = p.indexOf('/', at + 1)) {
      if (seen.has(p.slice(0, at))) throw bad(`"${p.slice(0, at)}" is listed as a file and as a folder`)
    }
  }
  if (!Number.isSafeInteger(total) || total !== size) throw bad(`"size" is ${size} but the files add up to ${total} bytes`)
  const missing = REQUIRED_FILES.filter(p => !seen.has(p))
  if (missing.length > 0) throw bad(`it does not include ${missing.join(' and ')}, without which the new version cannot start`)

  return { version: raw.version, minVersion: raw.minVersion, notes: raw.notes, size, files }
}
