// A release as one file for a USB stick: `p2p-portal-release-<version>.tar` holding
//   release-signer.pub   the signer's ed25519 public key (64 hex digits)
//   manifest.json        the exact manifest bytes published in the release drive
//   manifest.sig         their detached signature (64 bytes)
//   app/<path>           the app tree
// One tar file rather than a folder: FAT sticks drop executable bits and fold case, and a copy of the drive's
// corestore would need RocksDB to open a stick's files read-write. Nothing in the bundle is trusted by itself:
// the signer key must name the configured release drive, the signature must cover the manifest, and every file
// must match the manifest's hash.
import path from 'node:path'
import fs from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { MAX_MANIFEST_BYTES, parseManifest, parseVersion, type ReleaseManifest } from './release-manifest.js'
import { checkVersionRules, hashStream, type ReleaseSource } from './verify-release.js'
import { SIGNATURE_BYTES, verifyManifestSignature } from './release-signature.js'
import { indexTar, readTarBytes, readTarEntry, writeTar, type TarEntry, type TarInput } from './tar-file.js'
import { UpdateError } from './update-error.js'

export const BUNDLE_PREFIX = 'p2p-portal-release-'
export const bundleName = (version: string): string => `${BUNDLE_PREFIX}${version}.tar`
const SIGNER = 'release-signer.pub'
const MANIFEST = 'manifest.json'
const SIG = 'manifest.sig'
const APP = 'app/'
const MAX_ENTRIES = 200_003

/** A release whose manifest signature was checked: what the root helper is handed, and checks again itself. */
export interface SignedRelease extends ReleaseSource {
  version: string
  manifestBytes: Buffer
  signature: Buffer
  signerPublicKey: Buffer
}

export interface WriteBundleOptions {
  manifest: ReleaseManifest
  manifestBytes: Buffer
  signature: Buffer
  signerPublicKey: Buffer
  /** The app tree the manifest describes. */
  appDir: string
}

export async function writeReleaseBundle (file: string, opts: WriteBundleOptions): Promise<void> {
  const small = (p: string, b: Buffer): TarInput => ({ path: p, size: b.length, executable: false, open: () => b })
  const files: TarInput[] = [
    small(SIGNER, Buffer.from(opts.signerPublicKey.toString('hex') + '\n')),
    small(MANIFEST, opts.manifestBytes),
    small(SIG, opts.signature),
    ...opts.manifest.files.map(f => ({ path: APP + f.path, size: f.size, executable: f.executable, open: () => createReadStream(path.join(opts.appDir, f.path)) }))
  ]
  await writeTar(file, files)
}

function bad (file: string, reason: string): UpdateError {
  return new UpdateError('RELEASE_TAMPERED', `${path.basename(file)} is not a usable release bundle: ${reason}.`, { file })
}

export interface BundleVerifyOptions {
  releaseKey: Buffer | string
  runningVersion: string
  /**
   * Hash every file (default). Off only where each byte is hashed again on its way out anyway (the installer's
   * staging refuses a file whose hash differs), so a 30 MB release is not read three times on a Pi.
   */
  hashes?: boolean
}

/** Checks a bundle completely (signature, version rules, every file's hash) and returns it as a release source. */
export async function verifyReleaseBundle (file: string, opts: BundleVerifyOptions): Promise<SignedRelease> {
  let entries: TarEntry[]
  try {
    entries = await indexTar(file, { maxEntries: MAX_ENTRIES })
  } catch (err) {
    throw bad(file, (err as Error).message)
  }
  const byPath = new Map<string, TarEntry>()
  for (const e of entries) {
    if (byPath.has(e.path)) throw bad(file, `${e.path} is in it twice`)
    byPath.set(e.path, e)
  }
  const need = (p: string, limit: number): Promise<Buffer> => {
    const e = byPath.get(p)
    if (e === undefined) throw bad(file, `it has no ${p}`)
    return readTarBytes(file, e, limit).catch((err: Error) => { throw bad(file, err.message) })
  }
  const signerHex = (await need(SIGNER, 200)).toString('utf8').trim()
  if (!/^[0-9a-f]{64}$/.test(signerHex)) throw bad(file, `${SIGNER} is not a public key`)
  const signerPublicKey = Buffer.from(signerHex, 'hex')
  const manifestBytes = await need(MANIFEST, MAX_MANIFEST_BYTES)
  const signature = await need(SIG, SIGNATURE_BYTES)
  verifyManifestSignature(manifestBytes, signature, signerPublicKey, opts.releaseKey)
  const manifest = parseManifest(manifestBytes)
  checkVersionRules(manifest, opts.runningVersion)

  const app = new Map<string, TarEntry>()
  for (const [p, e] of byPath) {
    if (p === SIGNER || p === MANIFEST || p === SIG) continue
    if (!p.startsWith(APP)) throw bad(file, `${p} is outside app/`)
    app.set(p.slice(APP.length), e)
  }
  for (const f of manifest.files) {
    const e = app.get(f.path)
    if (e === undefined) throw new UpdateError('RELEASE_TRUNCATED', `Release ${manifest.version} in ${path.basename(file)} is incomplete: ${f.path} is missing.`, { path: f.path })
    if (e.size !== f.size) throw new UpdateError('RELEASE_TAMPERED', `Release ${manifest.version} does not match its manifest: ${f.path} has ${e.size} bytes, the manifest says ${f.size}.`, { path: f.path })
    const got = opts.hashes === false ? { sha256: f.sha256, bytes: f.size } : await hashStream(readTarEntry(file, e), f.size)
    if (got.sha256 !== f.sha256 || got.bytes !== f.size) throw new UpdateError('RELEASE_TAMPERED', `Release ${manifest.version} does not match its manifest: ${f.path} has different content (SHA-256 mismatch).`, { path: f.path })
    app.delete(f.path)
  }
  if (app.size > 0) throw new UpdateError('RELEASE_TAMPERED', `Release ${manifest.version} does not match its manifest: ${[...app.keys()].slice(0, 3).join(', ')} not in the manifest.`)
  const appEntries = new Map(manifest.files.map(f => [f.path, byPath.get(APP + f.path)!]))
  return {
    version: manifest.version,
    manifest,
    manifestBytes,
    signature,
    signerPublicKey,
    createReadStream: (p: string) => {
      const e = appEntries.get(p)
      if (e === undefined) throw new UpdateError('RELEASE_NOT_FOUND', `${p} is not part of release ${manifest.version}.`)
      return readTarEntry(file, e)
    }
  }
}

/** Bundles at the top of these folders (USB sticks' roots), newest version first; names that are not versions are skipped. */
export async function findBundles (folders: string[]): Promise<Array<{ file: string, version: string }>> {
  const found: Array<{ file: string, version: string }> = []
  for (const dir of folders) {
    const names = await fs.readdir(dir).catch(() => [] as string[])
    for (const name of names) {
      if (!name.startsWith(BUNDLE_PREFIX) || !name.endsWith('.tar')) continue
      const version = name.slice(BUNDLE_PREFIX.length, -'.tar'.length)
      if (parseVersion(version) !== null) found.push({ file: path.join(dir, name), version })
    }
  }
  return found
}
