// Release trees, manifests and drives for the update tests (not a test file itself: no .unit.test suffix).
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import fs from 'node:fs/promises'
import path from 'node:path'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import type { ReleaseManifest } from '../../services/update/release-manifest.js'
import { appFolder, manifestPath, type ReleaseDrive, type ReleaseEntry } from '../../services/update/verify-release.js'

export type Tree = Map<string, Buffer>

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** A small app tree shaped like build-app.sh's output; one file spans several Hyperdrive blocks. */
export function appTree (version: string): Tree {
  return new Map([
    ['package.json', Buffer.from(JSON.stringify({ name: 'p2p-portal', version }))],
    ['bin/p2p-portal.js', Buffer.from(`#!/usr/bin/env node\nconsole.log(${JSON.stringify(version)})\n`)],
    ['dist/services/cli.js', Buffer.from(`export const version = ${JSON.stringify(version)}\n`)],
    ['node_modules/some-dep/index.js', Buffer.from('module.exports = 1\n')],
    ['node_modules/some-dep/big.bin', Buffer.concat([Buffer.from(version), randomBytes(300_000)])]
  ])
}

export function manifestFor (version: string, tree: Tree, over: Partial<ReleaseManifest> = {}): ReleaseManifest {
  const files = [...tree].map(([p, b]) => ({ path: p, size: b.length, sha256: sha256(b), executable: p.startsWith('bin/') }))
  return { version, minVersion: '0.1.0', notes: `Release ${version}`, size: files.reduce((n, f) => n + f.size, 0), files, ...over }
}

/** Writes a release into a drive in the published layout. */
export async function publish (drive: { put (p: string, b: Buffer, o?: Record<string, unknown>): Promise<void> }, version: string, tree: Tree, manifest: ReleaseManifest | string = manifestFor(version, tree)): Promise<void> {
  for (const [p, b] of tree) await drive.put(`${appFolder(version)}/${p}`, b, { executable: p.startsWith('bin/') })
  await drive.put(manifestPath(version), Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest)))
}

/** A real Hyperdrive on a real Corestore in a temp folder. */
export async function realDrive (dir: string): Promise<{ store: Corestore, drive: Hyperdrive, close (): Promise<void> }> {
  const store = new Corestore(dir)
  const drive = new Hyperdrive(store)
  await drive.ready()
  return { store, drive, close: async () => { await drive.close(); await store.close() } }
}

/** The same interface from a Map: files by absolute drive path. */
export class FakeDrive implements ReleaseDrive {
  readonly files = new Map<string, Buffer>()
  constructor (readonly key: Buffer = randomBytes(32)) {}

  async put (p: string, b: Buffer): Promise<void> { this.files.set(p, b) }

  async * list (prefix: string): AsyncIterable<ReleaseEntry> {
    for (const [key, b] of this.files) if (key.startsWith(prefix + '/')) yield { key, value: { blob: { byteLength: b.length } } }
  }

  async * readdir (prefix: string): AsyncIterable<string> {
    const names = new Set<string>()
    for (const key of this.files.keys()) if (key.startsWith(prefix + '/')) names.add(key.slice(prefix.length + 1).split('/')[0])
    yield * names
  }

  createReadStream (p: string): AsyncIterable<Buffer> {
    const b = this.files.get(p)
    if (b === undefined) return Readable.from((async function * () { throw new Error('Blob does not exist') })())
    return Readable.from([b.subarray(0, 1000), b.subarray(1000)].filter(c => c.length > 0))
  }
}

/** Writes a release tree straight to disk, as the image ships its first one. */
export async function seedRelease (root: string, version: string, tree: Tree = appTree(version)): Promise<void> {
  for (const [p, b] of tree) {
    const file = path.join(root, 'releases', version, p)
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, b, { mode: p.startsWith('bin/') ? 0o755 : 0o644 })
  }
}

/** Which complete tree a folder holds: the version whose every file matches, or null for anything else. */
export async function treeVersion (dir: string, trees: Record<string, Tree>): Promise<string | null> {
  for (const [version, tree] of Object.entries(trees)) {
    let all = true
    for (const [p, b] of tree) {
      const got = await fs.readFile(path.join(dir, p)).catch(() => null)
      if (got === null || !got.equals(b)) { all = false; break }
    }
    if (all) return version
  }
  return null
}

/** Writes a tree to a temp folder, as build-app.sh leaves an app tree. */
export async function writeTree (tree: Tree, dir: string): Promise<string> {
  for (const [p, b] of tree) {
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true })
    await fs.writeFile(path.join(dir, p), b, { mode: p.startsWith('bin/') ? 0o755 : 0o644 })
  }
  return dir
}

/** A USB/spool bundle of `tree` signed by `kp`, written as `folder/p2p-portal-release-<version>.tar`. */
export async function signedBundle (folder: string, version: string, tree: Tree, kp: { publicKey: Buffer, secretKey: Buffer }, over: Partial<ReleaseManifest> = {}): Promise<string> {
  const { buildManifest } = await import('../../services/update/build-manifest.js')
  const { signManifest } = await import('../../services/update/release-signature.js')
  const { writeReleaseBundle, bundleName } = await import('../../services/update/release-bundle.js')
  const appDir = await writeTree(tree, await fs.mkdtemp(path.join(folder, '.tree-')))
  const { manifest } = await buildManifest(appDir, { version, minVersion: '0.1.0', notes: `Fixes in ${version}` })
  Object.assign(manifest, over)
  const manifestBytes = Buffer.from(JSON.stringify(manifest))
  const file = path.join(folder, bundleName(version))
  await writeReleaseBundle(file, { manifest, manifestBytes, signature: signManifest(manifestBytes, kp), signerPublicKey: kp.publicKey, appDir })
  await fs.rm(appDir, { recursive: true, force: true })
  return file
}
