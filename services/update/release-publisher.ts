// The maintainer's `release` command: writes an app tree into the release drive kept in a data folder (the
// same layout a node uses, so `p2p-portal start --data DIR` then serves it to the mesh), signs its manifest,
// and leaves a USB bundle of it beside the store. The files go in first and manifest.json last: a node that
// sees a manifest sees a release whose files were all written before it.
import fs from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Library } from '../storage/library.js'
import type { LibraryDrive } from '../storage/library-drive.js'
import { buildManifest } from './build-manifest.js'
import { compareVersions, isVersion } from './release-manifest.js'
import { appFolder, listReleaseVersions, manifestPath, RELEASES_FOLDER } from './verify-release.js'
import { loadOrCreateKeyFile } from './release-key-file.js'
import { signaturePath, signManifest } from './release-signature.js'
import { bundleName, writeReleaseBundle } from './release-bundle.js'
import { UpdateError } from './update-error.js'

export const RELEASE_DRIVE_INFO = { title: 'p2p-portal releases', description: 'Signed p2p-portal updates. Not library content.' }
/** Releases whose file blocks stay on the publisher's disk: the newest and the one before it. */
export const KEEP_RELEASES = 2

export interface PublishOptions {
  keyFile: string
  /** The data folder holding the release drive's corestore. */
  data: string
  /** The app tree to publish; default: this checkout's build (see defaultAppTree). */
  from?: string
  /** Where the default tree comes from: the checkout holding package.json, bin/ and dist/. */
  checkout?: string
  version?: string
  minVersion?: string
  notes?: string
}

export interface PublishResult {
  releaseKey: string
  version: string
  /** False when this exact release was already published (nothing written). */
  written: boolean
  keyCreated: boolean
  bundle: string
  /** Versions whose file blocks were dropped from this folder. */
  pruned: string[]
  /** Symbolic links left out of the release. */
  skipped: string[]
}

/**
 * What a release made from a checkout holds: package.json, package-lock.json, bin/, dist/ and web/'s files
 * other than TypeScript (what dist/ serves from web/), as image/build-app.sh copies them, but no node_modules:
 * such a release updates the app's code, and the dependencies must not have changed. The image's own tree
 * (image/build-app.sh, with arm64 node_modules) is given with --from.
 */
/** What tsconfig.build.json compiles into dist/, and the bundle of it that bin/ runs (scripts/bundle-dist.mjs). */
const COMPILED = ['app', 'services', 'web', 'types', 'bundle']

export async function defaultAppTree (checkout: string): Promise<string> {
  for (const need of ['package.json', 'package-lock.json', 'bin', 'dist']) {
    await fs.access(path.join(checkout, need)).catch(() => {
      throw new Error(`${path.join(checkout, need)} is missing: run "npm run build" first, or give the app tree with --from DIR.`)
    })
  }
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-release-tree-'))
  for (const name of ['package.json', 'package-lock.json', 'bin']) {
    await fs.cp(path.join(checkout, name), path.join(out, name), { recursive: true })
  }
  // Only the compiled folders of dist/: `make image` and the image test write built images (gigabytes) there too.
  for (const name of COMPILED) {
    await fs.cp(path.join(checkout, 'dist', name), path.join(out, 'dist', name), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }
  await fs.cp(path.join(checkout, 'web'), path.join(out, 'web'), { recursive: true, filter: (src) => !src.endsWith('.ts') }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err
  })
  return out
}

async function packageVersion (dir: string): Promise<string> {
  const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }
  if (!isVersion(pkg.version)) throw new Error(`${path.join(dir, 'package.json')} has no usable version: give one with --version.`)
  return pkg.version
}

/**
 * A node reports its tree's package.json version as the one it runs. A release whose tree says another version would,
 * once installed, see itself as newer than what runs and be offered again and again. A tree given with --from is
 * not changed: it must say the version itself.
 */
async function sameVersionAsTree (tree: string, version: string): Promise<void> {
  const file = path.join(tree, 'package.json')
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return null; throw err })
  if (text === null) return
  const said = (JSON.parse(text) as { version?: unknown }).version
  if (said !== version) throw new UpdateError('RELEASE_BAD_MANIFEST', `${file} says version ${String(said)}, not ${version}: a node runs the version its package.json says. Set "version" there to ${version}.`)
}

async function setPackageVersion (dir: string, version: string): Promise<void> {
  const file = path.join(dir, 'package.json')
  const pkg = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>
  pkg.version = version
  await fs.writeFile(file, JSON.stringify(pkg, null, 2) + '\n')
}

async function readAll (drive: LibraryDrive, p: string): Promise<Buffer | null> {
  return await drive.drive.get(p, { wait: false }).catch(() => null) as Buffer | null
}

export async function publishRelease (opts: PublishOptions): Promise<PublishResult> {
  const keys = await loadOrCreateKeyFile(opts.keyFile)
  const staged = opts.from === undefined ? await defaultAppTree(opts.checkout ?? process.cwd()) : null
  const tree = opts.from ?? staged!
  let version: string
  try {
    version = opts.version ?? await packageVersion(tree)
    // The copy made from this checkout is ours to change: it says the version it is published as.
    if (staged !== null) await setPackageVersion(staged, version)
    await sameVersionAsTree(tree, version)
  } catch (err) {
    if (staged !== null) await fs.rm(staged, { recursive: true, force: true })
    throw err
  }
  const library = new Library({ dataDir: opts.data })
  try {
    const { manifest, skipped } = await buildManifest(tree, { version, minVersion: opts.minVersion ?? '0.0.0', notes: opts.notes })
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n')
    const signature = signManifest(manifestBytes, keys.keyPair)

    await library.open()
    const drive = await library.ownReleaseDrive(keys.keyPair, RELEASE_DRIVE_INFO)
    const published = await readAll(drive, manifestPath(version))
    let written = false
    if (published !== null) {
      // Nodes may already have checked and installed it: a published version never changes.
      if (!published.equals(manifestBytes)) throw new UpdateError('RELEASE_DOWNGRADE', `Version ${version} is already published with other content: give the new release a new version (--version).`)
    } else {
      const versions = await listReleaseVersions(drive.drive)
      const latest = versions[versions.length - 1]
      if (latest !== undefined && compareVersions(version, latest) < 0) {
        throw new UpdateError('RELEASE_DOWNGRADE', `Version ${version} is older than ${latest}, already published: nodes only move forward.`)
      }
      for (const f of manifest.files) {
        await pipeline(createReadStream(path.join(tree, f.path)), drive.drive.createWriteStream(`${appFolder(version)}/${f.path}`, { executable: f.executable }))
      }
      await drive.drive.put(signaturePath(version), signature)
      await drive.drive.put(manifestPath(version), manifestBytes)
      written = true
    }
    const pruned = await pruneReleases(drive)
    const bundle = path.join(opts.data, bundleName(version))
    await writeReleaseBundle(bundle, { manifest, manifestBytes, signature, signerPublicKey: keys.keyPair.publicKey, appDir: tree })
    for (const v of pruned) await fs.rm(path.join(opts.data, bundleName(v)), { force: true })
    return { releaseKey: keys.releaseKey, version, written, keyCreated: keys.created, bundle, pruned, skipped }
  } finally {
    await library.close()
    if (staged !== null) await fs.rm(staged, { recursive: true, force: true })
  }
}

/**
 * Keeps the newest KEEP_RELEASES releases' blocks. Older ones are deleted from the latest version, then the
 * drive's reclaim clears every block the latest version no longer needs, as for any drive (mirrors of the
 * release drive do the same once they hold its latest version); the drive's history (older versions'
 * listings) stays readable, their bytes do not. Deleting first: a power cut in between leaves blocks that the
 * next reclaim clears, never an entry whose bytes are gone.
 */
async function pruneReleases (drive: LibraryDrive): Promise<string[]> {
  const versions = await listReleaseVersions(drive.drive)
  const old = versions.slice(0, Math.max(0, versions.length - KEEP_RELEASES))
  for (const v of old) {
    const paths: string[] = []
    for await (const entry of drive.drive.list(`${RELEASES_FOLDER}/${v}`, { recursive: true })) paths.push(entry.key)
    for (const p of paths) await drive.drive.del(p)
  }
  if (old.length) await drive.reclaim()
  return old
}
