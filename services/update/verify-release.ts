// Decides whether a release found in a release drive may be installed. Hypercore signs every block with the
// drive's key, so "these bytes come from the maintainer" reduces to "this drive's key is the configured release
// key"; the manifest's hashes then bind each file to what the maintainer published, and catch a release that
// was published incompletely or has not finished downloading.
import { createHash } from 'node:crypto'
import { decode as decodeKey } from 'hypercore-id-encoding'
import { compareVersions, MAX_MANIFEST_BYTES, parseManifest, parseVersion, type ReleaseManifest } from './release-manifest.js'
import { UpdateError } from './update-error.js'

/** One entry of Hyperdrive's list(): only the fields verification reads. */
export interface ReleaseEntry {
  key: string
  value: { blob?: { byteLength: number } | null, linkname?: string | null, executable?: boolean }
}

/** The slice of a Hyperdrive this module uses; a real Hyperdrive fits it, so does a Map-backed fake. */
export interface ReleaseDrive {
  key: Buffer
  list (prefix: string): AsyncIterable<ReleaseEntry>
  readdir (prefix: string): AsyncIterable<string>
  createReadStream (path: string, opts?: Record<string, unknown>): AsyncIterable<Buffer | Uint8Array | string>
}

/** Where to read a release's bytes from: a drive after verification, or anything else the installer is handed. */
export interface ReleaseSource {
  manifest: ReleaseManifest
  /** The bytes of one file of the app tree, by its manifest path. */
  createReadStream (path: string): AsyncIterable<Buffer | Uint8Array | string>
}

export interface VerifiedRelease extends ReleaseSource {
  version: string
  key: Buffer
}

export interface VerifyOptions {
  /** The configured release key (32 bytes, or its z32/hex id). */
  releaseKey: Buffer | string
  runningVersion: string
  /** Which release to check; the newest one in the drive when left out. */
  version?: string
  /**
   * Passed to createReadStream. The default { wait: false } makes a block not yet on this node a refusal
   * (RELEASE_TRUNCATED, "not downloaded yet") instead of a read that waits for a peer forever.
   */
  readOptions?: Record<string, unknown>
}

// Drive layout, one folder per version:  /releases/<version>/manifest.json  and  /releases/<version>/app/<path>
export const RELEASES_FOLDER = '/releases'
export const manifestPath = (version: string): string => `${RELEASES_FOLDER}/${version}/manifest.json`
export const appFolder = (version: string): string => `${RELEASES_FOLDER}/${version}/app`

/** Versions published in the drive, oldest first; folder names that are not versions are skipped. */
export async function listReleaseVersions (drive: ReleaseDrive): Promise<string[]> {
  const versions: string[] = []
  for await (const name of drive.readdir(RELEASES_FOLDER)) {
    if (parseVersion(name) !== null) versions.push(name)
  }
  return versions.sort(compareVersions)
}

export async function latestReleaseVersion (drive: ReleaseDrive): Promise<string | null> {
  const all = await listReleaseVersions(drive)
  return all.length > 0 ? all[all.length - 1] : null
}

/** Throws RELEASE_WRONG_KEY unless the drive is the configured release drive. */
export function checkReleaseKey (drive: { key: Buffer }, releaseKey: Buffer | string): void {
  let expected: Buffer
  try {
    expected = typeof releaseKey === 'string' ? decodeKey(releaseKey) : releaseKey
  } catch {
    throw new UpdateError('RELEASE_WRONG_KEY', 'The configured release key is not a drive key: set it to the 52-character key the maintainer publishes.')
  }
  if (!Buffer.isBuffer(drive.key) || expected.length !== 32 || !drive.key.equals(expected)) {
    throw new UpdateError('RELEASE_WRONG_KEY', 'This release does not come from the configured release drive, so it was not installed.', {
      key: Buffer.isBuffer(drive.key) ? drive.key.toString('hex') : null
    })
  }
}

/** The rules about versions alone: no downgrade, no reinstall, and the running version must be one the release can update from. */
export function checkVersionRules (manifest: ReleaseManifest, runningVersion: string): void {
  const order = compareVersions(manifest.version, runningVersion)
  if (order < 0) {
    throw new UpdateError('RELEASE_DOWNGRADE', `Release ${manifest.version} is older than the running ${runningVersion}: updates never go back silently.`, { version: manifest.version, running: runningVersion })
  }
  if (order === 0) {
    throw new UpdateError('RELEASE_DOWNGRADE', `Release ${manifest.version} is the version already running.`, { version: manifest.version, running: runningVersion })
  }
  if (compareVersions(runningVersion, manifest.minVersion) < 0) {
    throw new UpdateError('RELEASE_TOO_OLD', `Release ${manifest.version} can only update ${manifest.minVersion} or newer; this node runs ${runningVersion}. Install an intermediate release, or flash a new image.`, { version: manifest.version, running: runningVersion, minVersion: manifest.minVersion })
  }
}

/** Hashes a stream chunk by chunk; stops reading once more than `limit` bytes came, so a huge file costs nothing extra. */
export async function hashStream (stream: AsyncIterable<Buffer | Uint8Array | string>, limit: number): Promise<{ bytes: number, sha256: string }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    bytes += buf.length
    if (bytes > limit) break
    hash.update(buf)
  }
  return { bytes, sha256: hash.digest('hex') }
}

/** A read that failed because a block is not on this node yet: the release is incomplete, not wrong. */
export function notDownloaded (err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return code === 'BLOCK_NOT_AVAILABLE' || code === 'REQUEST_TIMEOUT' || code === 'SNAPSHOT_NOT_AVAILABLE'
}

function truncated (version: string, reason: string, details: Record<string, unknown> = {}): UpdateError {
  return new UpdateError('RELEASE_TRUNCATED', `Release ${version} is incomplete: ${reason}.`, { version, ...details })
}

function tampered (version: string, reason: string, details: Record<string, unknown> = {}): UpdateError {
  return new UpdateError('RELEASE_TAMPERED', `Release ${version} does not match its manifest: ${reason}.`, { version, ...details })
}

export async function readManifest (drive: ReleaseDrive, version: string, readOptions: Record<string, unknown> = { wait: false }): Promise<ReleaseManifest> {
  const chunks: Buffer[] = []
  let bytes = 0
  try {
    for await (const chunk of drive.createReadStream(manifestPath(version), readOptions)) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk)
      bytes += buf.length
      if (bytes > MAX_MANIFEST_BYTES) throw new UpdateError('RELEASE_BAD_MANIFEST', `The release manifest is not valid: it is larger than ${MAX_MANIFEST_BYTES} bytes.`)
      chunks.push(buf)
    }
  } catch (err) {
    if (err instanceof UpdateError) throw err
    if (notDownloaded(err)) throw truncated(version, 'its manifest has not been downloaded yet')
    if (/does not exist/i.test((err as Error).message)) throw truncated(version, 'it has no manifest.json')
    throw err
  }
  const manifest = parseManifest(Buffer.concat(chunks))
  if (manifest.version !== version) {
    throw new UpdateError('RELEASE_BAD_MANIFEST', `The release manifest is not valid: it says version ${manifest.version} but is published as ${version}.`)
  }
  return manifest
}

/**
 * Accepts a release only if every rule holds; otherwise throws an UpdateError whose message says why.
 * Reads each file once, as a stream: nothing is held in memory whole, which matters with 30 MB of node_modules on a 512 MB Pi.
 */
export async function verifyRelease (drive: ReleaseDrive, opts: VerifyOptions): Promise<VerifiedRelease> {
  checkReleaseKey(drive, opts.releaseKey)
  const readOptions = opts.readOptions ?? { wait: false }
  const version = opts.version ?? await latestReleaseVersion(drive)
  if (version === null) throw new UpdateError('RELEASE_NOT_FOUND', 'The release drive has no release in it yet.')
  if (parseVersion(version) === null) throw new UpdateError('RELEASE_BAD_MANIFEST', `"${version}" is not a version (x.y.z or x.y.z-tag).`)
  const manifest = await readManifest(drive, version, readOptions)
  checkVersionRules(manifest, opts.runningVersion)

  const prefix = appFolder(version) + '/'
  const present = new Map<string, ReleaseEntry['value']>()
  for await (const entry of drive.list(appFolder(version))) {
    if (entry.key.startsWith(prefix)) present.set(entry.key.slice(prefix.length), entry.value)
  }
  for (const file of manifest.files) {
    const entry = present.get(file.path)
    if (entry === undefined) throw truncated(version, `${file.path} is missing`, { path: file.path })
    if (entry.linkname) throw tampered(version, `${file.path} is a link, where the manifest lists a file`, { path: file.path })
    const stored = entry.blob?.byteLength ?? 0
    if (stored < file.size) throw truncated(version, `${file.path} has ${stored} of its ${file.size} bytes`, { path: file.path })
    if (stored > file.size) throw tampered(version, `${file.path} has ${stored} bytes, the manifest says ${file.size}`, { path: file.path })
    present.delete(file.path)
  }
  if (present.size > 0) {
    const extra = [...present.keys()]
    throw tampered(version, `${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''} ${extra.length > 1 ? 'are' : 'is'} not in the manifest`, { paths: extra })
  }

  for (const file of manifest.files) {
    let got: { bytes: number, sha256: string }
    try {
      got = await hashStream(drive.createReadStream(prefix + file.path, readOptions), file.size)
    } catch (err) {
      if (notDownloaded(err)) throw truncated(version, `${file.path} has not been downloaded yet`, { path: file.path })
      throw err
    }
    if (got.bytes < file.size) throw truncated(version, `${file.path} has ${got.bytes} of its ${file.size} bytes`, { path: file.path })
    if (got.bytes > file.size) throw tampered(version, `${file.path} is longer than the manifest says (${file.size} bytes)`, { path: file.path })
    if (got.sha256 !== file.sha256) throw tampered(version, `${file.path} has different content (SHA-256 mismatch)`, { path: file.path })
  }

  return {
    version,
    key: drive.key,
    manifest,
    createReadStream: (path: string) => drive.createReadStream(prefix + path, readOptions)
  }
}
