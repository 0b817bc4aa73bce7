import { describe, it, expect } from 'vitest'
import fs from 'node:fs/promises'
import path from 'node:path'
import { once } from 'node:events'
import Corestore from 'corestore'
import { keyPair as seedKeyPair } from 'hypercore-crypto'
import { encode as encodeKey } from 'hypercore-id-encoding'
import { releaseKeyOf, signManifest, verifyManifestSignature } from '../../services/update/release-signature.js'
import { loadOrCreateKeyFile } from '../../services/update/release-key-file.js'
import { publishRelease, RELEASE_DRIVE_INFO } from '../../services/update/release-publisher.js'
import { verifyReleaseBundle, writeReleaseBundle, bundleName } from '../../services/update/release-bundle.js'
import { buildManifest } from '../../services/update/build-manifest.js'
import { indexTar, writeTar } from '../../services/update/tar-file.js'
import { appFolder, listReleaseVersions, verifyRelease } from '../../services/update/verify-release.js'
import { ReleaseWatcher, type UpdateStatus } from '../../services/update/release-watcher.js'
import { UpdateError, type UpdateErrorCode } from '../../services/update/update-error.js'
import { Library } from '../../services/storage/library.js'
import { libraryCatalogue } from '../../services/replication/library-catalogue.js'
import { decide } from '../../services/mirror/mirror-policy.js'
import { buildConfig } from '../../services/config/config.js'
import { tempDir, until } from '../helpers/temp-dir.js'
import { closeAfterEach } from '../helpers/close-after-each.js'
import { appTree, type Tree } from './update-fixtures.js'
import { replicateStores } from '../helpers/replicate-stores.js'

const closers = closeAfterEach()

function refused (fn: () => unknown, code: UpdateErrorCode): UpdateError {
  let err: unknown
  try { fn() } catch (e) { err = e }
  expect(err, `expected ${code}`).toBeInstanceOf(UpdateError)
  expect((err as UpdateError).code).toBe(code)
  return err as UpdateError
}

async function refusedAsync (p: Promise<unknown>, code: UpdateErrorCode): Promise<UpdateError> {
  let err: unknown
  try { await p } catch (e) { err = e }
  expect(err, `expected ${code}`).toBeInstanceOf(UpdateError)
  expect((err as UpdateError).code).toBe(code)
  return err as UpdateError
}

async function writeTree (tree: Tree): Promise<string> {
  const dir = await tempDir('release-tree-')
  for (const [p, b] of tree) {
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true })
    await fs.writeFile(path.join(dir, p), b, { mode: p.startsWith('bin/') ? 0o755 : 0o644 })
  }
  return dir
}

const pair = (n: number) => seedKeyPair(Buffer.alloc(32, n))

describe('manifest signature', () => {
  const manifest = Buffer.from('{"version":"1.0.0"}')
  const kp = pair(1)
  const releaseKey = releaseKeyOf(kp.publicKey)

  it('names the release drive exactly as Corestore does for a core written with that key pair', async () => {
    const store = new Corestore(await tempDir('sig-store-'))
    const core = store.get({ keyPair: kp })
    await core.ready()
    expect(core.key.equals(releaseKey)).toBe(true)
    await core.close()
    await store.close()
  })

  it('accepts the right signer\'s signature of the exact bytes', () => {
    const sig = signManifest(manifest, kp)
    expect(verifyManifestSignature(manifest, sig, kp.publicKey, releaseKey).equals(kp.publicKey)).toBe(true)
    expect(verifyManifestSignature(manifest, sig, kp.publicKey, encodeKey(releaseKey)).equals(kp.publicKey)).toBe(true)
  })

  it('refuses a valid signature by a signer that is not the release drive\'s key', () => {
    const other = pair(2)
    refused(() => verifyManifestSignature(manifest, signManifest(manifest, other), other.publicKey, releaseKey), 'RELEASE_WRONG_KEY')
  })

  it('refuses a signature by another key presented with the release key\'s public key', () => {
    refused(() => verifyManifestSignature(manifest, signManifest(manifest, pair(2)), kp.publicKey, releaseKey), 'RELEASE_BAD_SIGNATURE')
  })

  it('refuses a manifest changed after signing, even by one byte', () => {
    const sig = signManifest(manifest, kp)
    const tampered = Buffer.from(manifest)
    tampered[tampered.length - 3] ^= 1
    refused(() => verifyManifestSignature(tampered, sig, kp.publicKey, releaseKey), 'RELEASE_BAD_SIGNATURE')
    refused(() => verifyManifestSignature(manifest, sig.subarray(0, 63), kp.publicKey, releaseKey), 'RELEASE_BAD_SIGNATURE')
  })
})

describe('release key file', () => {
  it('is created once, mode 0600, and gives the same release key every time', async () => {
    const file = path.join(await tempDir('keyfile-'), 'release.key')
    const a = await loadOrCreateKeyFile(file)
    expect(a.created).toBe(true)
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600)
    const b = await loadOrCreateKeyFile(file)
    expect(b.created).toBe(false)
    expect(b.releaseKey).toBe(a.releaseKey)
    expect(JSON.parse(await fs.readFile(file, 'utf8')).releaseKey).toBe(a.releaseKey)
  })

  it('refuses a key file other users can read', async () => {
    const file = path.join(await tempDir('keyfile-'), 'release.key')
    await loadOrCreateKeyFile(file)
    await fs.chmod(file, 0o644)
    await expect(loadOrCreateKeyFile(file)).rejects.toThrow(/chmod 600/)
  })
})

describe('release command (publishRelease)', () => {
  async function publish (dir: { keyFile: string, data: string }, version: string, tree = appTree(version)) {
    return publishRelease({ ...dir, from: await writeTree(tree), version, minVersion: '0.1.0' })
  }

  it('writes a release nodes accept: files, signed manifest, a data folder a node opens, and a USB bundle', async () => {
    const root = await tempDir('publish-')
    const dir = { keyFile: path.join(root, 'release.key'), data: path.join(root, 'data') }
    const r = await publish(dir, '1.0.0')
    expect(r).toMatchObject({ version: '1.0.0', written: true, keyCreated: true, pruned: [] })
    expect(r.releaseKey).toHaveLength(52)

    const library = new Library({ dataDir: dir.data })
    await library.open()
    closers.push(() => library.close())
    const d = library.require(r.releaseKey, false)
    expect(library.record(r.releaseKey)).toMatchObject({ own: true, release: true, pinned: true })
    expect(d.drive.writable).toBe(true)
    expect(d.info.title).toBe(RELEASE_DRIVE_INFO.title)
    const verified = await verifyRelease(d.drive, { releaseKey: r.releaseKey, runningVersion: '0.1.0' })
    expect(verified.version).toBe('1.0.0')
    // The release drive is not offered to peers as library content.
    await d.refresh()
    expect(libraryCatalogue(library).drives).toEqual([])

    const bundle = await verifyReleaseBundle(r.bundle, { releaseKey: r.releaseKey, runningVersion: '0.1.0' })
    expect(bundle.version).toBe('1.0.0')
    expect(path.basename(r.bundle)).toBe(bundleName('1.0.0'))
  })

  it('publishes the same release again as a no-op, and refuses other content under a published version or an older version', async () => {
    const root = await tempDir('publish-')
    const dir = { keyFile: path.join(root, 'release.key'), data: path.join(root, 'data') }
    const tree = appTree('1.0.0')
    await publish(dir, '1.0.0', tree)
    expect((await publish(dir, '1.0.0', tree)).written).toBe(false)
    await refusedAsync(publish(dir, '1.0.0'), 'RELEASE_DOWNGRADE')
    await publish(dir, '1.1.0')
    await refusedAsync(publish(dir, '1.0.5'), 'RELEASE_DOWNGRADE')
  })

  it('refuses a version other than the one the tree\'s package.json says (the installed node would report that one)', async () => {
    const root = await tempDir('publish-')
    const dir = { keyFile: path.join(root, 'release.key'), data: path.join(root, 'data') }
    const err = await refusedAsync(publish(dir, '1.0.1', appTree('1.0.0')), 'RELEASE_BAD_MANIFEST')
    expect(err.message).toContain('Set "version" there to 1.0.1')
  })

  it('publishes a copy of this checkout that says the version it is published as, and leaves the checkout alone', async () => {
    const root = await tempDir('publish-')
    const checkout = await writeTree(appTree('0.1.0'))
    await fs.writeFile(path.join(checkout, 'package-lock.json'), '{}\n')
    const r = await publishRelease({ keyFile: path.join(root, 'release.key'), data: path.join(root, 'data'), checkout, version: '2.0.0', minVersion: '0.1.0' })
    const library = new Library({ dataDir: path.join(root, 'data') })
    await library.open()
    closers.push(() => library.close())
    const published = await library.require(r.releaseKey, false).drive.get('/releases/2.0.0/app/package.json') as Buffer
    expect(JSON.parse(published.toString()).version).toBe('2.0.0')
    expect(JSON.parse(await fs.readFile(path.join(checkout, 'package.json'), 'utf8')).version).toBe('0.1.0')
  })

  it('keeps the blocks of the two newest releases only; older listings stay in the drive\'s history', async () => {
    const root = await tempDir('publish-')
    const dir = { keyFile: path.join(root, 'release.key'), data: path.join(root, 'data') }
    await publish(dir, '1.0.0')
    await publish(dir, '1.1.0')
    const r = await publish(dir, '1.2.0')
    expect(r.pruned).toEqual(['1.0.0'])
    await expect(fs.access(path.join(dir.data, bundleName('1.0.0')))).rejects.toThrow()

    const library = new Library({ dataDir: dir.data })
    await library.open()
    closers.push(() => library.close())
    const d = library.require(r.releaseKey, false).drive
    expect(await listReleaseVersions(d)).toEqual(['1.1.0', '1.2.0'])
    // An old version's listing is still readable; its bytes are not kept.
    let old: any = null
    for (let v = d.version; v > 0 && old === null; v--) old = await d.checkout(v).entry(`${appFolder('1.0.0')}/node_modules/some-dep/big.bin`, { wait: false }).catch(() => null)
    expect(old?.value.blob.byteLength).toBeGreaterThan(300_000)
    const blobs = await d.getBlobs()
    expect(await blobs.core.has(old.value.blob.blockOffset)).toBe(false)
  })
})

describe('USB bundle', () => {
  async function bundleOf (version: string, kp = pair(1), tree = appTree(version)) {
    const appDir = await writeTree(tree)
    const { manifest } = await buildManifest(appDir, { version, minVersion: '0.1.0' })
    const manifestBytes = Buffer.from(JSON.stringify(manifest))
    const file = path.join(await tempDir('bundle-'), bundleName(version))
    await writeReleaseBundle(file, { manifest, manifestBytes, signature: signManifest(manifestBytes, kp), signerPublicKey: kp.publicKey, appDir })
    return file
  }
  const releaseKey = encodeKey(releaseKeyOf(pair(1).publicKey))

  it('verifies a bundle signed by the release key and serves its files', async () => {
    const tree = appTree('2.0.0')
    const release = await verifyReleaseBundle(await bundleOf('2.0.0', pair(1), tree), { releaseKey, runningVersion: '0.1.0' })
    const chunks: Buffer[] = []
    for await (const c of release.createReadStream('node_modules/some-dep/big.bin')) chunks.push(Buffer.from(c))
    expect(Buffer.concat(chunks).equals(tree.get('node_modules/some-dep/big.bin')!)).toBe(true)
  })

  it('refuses a bundle signed by another key, one with a changed file, and one with a changed manifest', async () => {
    await refusedAsync(verifyReleaseBundle(await bundleOf('2.0.0', pair(3)), { releaseKey, runningVersion: '0.1.0' }), 'RELEASE_WRONG_KEY')

    const file = await bundleOf('2.0.0')
    const bytes = await fs.readFile(file)
    const entries = await indexTar(file, { maxEntries: 100 })
    const big = entries.find(e => e.path === 'app/node_modules/some-dep/big.bin')!
    const flipped = Buffer.from(bytes)
    flipped[big.offset + 1000] ^= 0xff
    await fs.writeFile(file, flipped)
    await refusedAsync(verifyReleaseBundle(file, { releaseKey, runningVersion: '0.1.0' }), 'RELEASE_TAMPERED')

    const m = entries.find(e => e.path === 'manifest.json')!
    const edited = Buffer.from(bytes)
    edited.write('9', edited.indexOf('2.0.0', m.offset))
    await fs.writeFile(file, edited)
    await refusedAsync(verifyReleaseBundle(file, { releaseKey, runningVersion: '0.1.0' }), 'RELEASE_BAD_SIGNATURE')
  })

  it('refuses a bundle that is not newer than the running version', async () => {
    await refusedAsync(verifyReleaseBundle(await bundleOf('2.0.0'), { releaseKey, runningVersion: '2.0.0' }), 'RELEASE_DOWNGRADE')
  })

  it('keeps paths longer than ustar holds (PAX), as GNU tar reads them', async () => {
    const file = path.join(await tempDir('tar-'), 'long.tar')
    const long = `node_modules/${'a'.repeat(120)}/${'b'.repeat(120)}/index.js`
    await writeTar(file, [{ path: long, size: 3, executable: false, open: () => Buffer.from('abc') }, { path: 'x'.repeat(100), size: 0, executable: true, open: () => Buffer.alloc(0) }])
    expect((await indexTar(file, { maxEntries: 10 })).map(e => [e.path, e.size, e.executable])).toEqual([[long, 3, false], ['x'.repeat(100), 0, true]])
  })
})

describe('release-key option', () => {
  it('accepts a drive key (z-base-32 or hex, kept as z-base-32) and stops on anything else naming the key', () => {
    const key = encodeKey(releaseKeyOf(pair(1).publicKey))
    expect(buildConfig([['release-key', key]]).releaseKey).toBe(key)
    expect(buildConfig([['release-key', releaseKeyOf(pair(1).publicKey).toString('hex')]]).releaseKey).toBe(key)
    expect(buildConfig([]).releaseKey).toBeNull()
    expect(() => buildConfig([['release-key', 'not-a-key']])).toThrow(/release-key.*release key printed by "p2p-portal release"/)
  })
})

describe('release drive and the disk caps', () => {
  it('a system drive neither counts toward max-total-size nor is ever evicted', () => {
    const MB = 1024 * 1024
    const base = { own: false, pinned: false, followed: false, lastUsed: 0, known: true, addedAt: 0 }
    const d = decide({
      settings: { mirror: 'all', maxDriveBytes: 100 * MB, maxTotalBytes: 100 * MB, deny: [], follow: [], probeTimeoutMs: 1, maxProbing: 16 },
      held: [{ ...base, key: 'r'.repeat(52), bytes: 500 * MB, localBytes: 500 * MB, pinned: true, system: true }],
      offered: [{ key: 'n'.repeat(52), bytes: 90 * MB, peers: 1 }],
      blocked: [],
      coolingDown: new Set(),
      now: 10
    })
    expect(d.mirror).toEqual(['n'.repeat(52)])
    expect(d.evict).toEqual([])
  })
})

describe('ReleaseWatcher', () => {
  async function publisherAndNode (running: string) {
    const root = await tempDir('watch-')
    const dir = { keyFile: path.join(root, 'release.key'), data: path.join(root, 'a') }
    const r = await publishRelease({ ...dir, from: await writeTree(appTree('1.0.0')), version: '1.0.0', minVersion: '0.1.0' })
    const a = new Library({ dataDir: dir.data })
    const b = new Library({ dataDir: path.join(root, 'b') })
    await a.open()
    await b.open()
    const watcher = new ReleaseWatcher({ library: b, releaseKey: r.releaseKey, runningVersion: running, bundleFolders: async () => [] })
    closers.push(() => a.close(), () => b.close(), () => watcher.close())
    return { a, b, watcher, r, dir }
  }

  function connect (a: Library, b: Library): void {
    closers.push(replicateStores(a, b))
  }

  async function stateOf (watcher: ReleaseWatcher, state: UpdateStatus['state']): Promise<UpdateStatus> {
    while (watcher.update.state !== state) await once(watcher, 'status')
    return watcher.update
  }

  it('a node that mirrors the release drive keeps the blocks of the two newest releases only, like its publisher', async () => {
    const { a, b, r, dir } = await publisherAndNode('0.1.0')
    const copy = await b.addMirror(r.releaseKey, { release: true, pinned: true, followed: true })
    connect(a, b)
    const big = `${appFolder('1.0.0')}/node_modules/some-dep/big.bin`
    const old = await until(() => copy.localEntry(big), { what: 'the first release on the mirror' })
    const blobs = await copy.fileBlobs()
    await until(async () => await blobs.core.has(old.value.blob.blockOffset, old.value.blob.blockOffset + old.value.blob.blockLength), { what: 'the first release\'s blocks' })
    // The publisher's data folder is the `release` command's: it is closed while two more releases are written.
    await a.close()
    await publishRelease({ ...dir, from: await writeTree(appTree('1.1.0')), version: '1.1.0', minVersion: '0.1.0' })
    const last = await publishRelease({ ...dir, from: await writeTree(appTree('1.2.0')), version: '1.2.0', minVersion: '0.1.0' })
    expect(last.pruned).toEqual(['1.0.0'])
    const again = new Library({ dataDir: dir.data })
    await again.open()
    closers.push(() => again.close())
    connect(again, b)
    await until(async () => {
      const f = await copy.refresh()
      return f.known && f.localBytes === f.bytes && (await listReleaseVersions(copy.drive)).join() === '1.1.0,1.2.0'
    }, { timeout: 20_000, what: 'the mirror to hold releases 1.1.0 and 1.2.0' })
    await until(async () => !await blobs.core.has(old.value.blob.blockOffset), { what: 'the first release\'s blocks to be given back' })
    for (let i = 0; i < old.value.blob.blockLength; i++) expect(await blobs.core.has(old.value.blob.blockOffset + i)).toBe(false)
    expect((await copy.drive.get(`${appFolder('1.2.0')}/node_modules/some-dep/big.bin`, { wait: false }))?.length).toBe(old.value.blob.byteLength)
  })

  it('follows the release drive outside the caps and reports a newer, complete, verified release as ready', async () => {
    const { a, b, watcher, r } = await publisherAndNode('0.1.0')
    await watcher.open()
    expect(b.record(r.releaseKey)).toMatchObject({ release: true, pinned: true, followed: true })
    expect(watcher.update).toMatchObject({ current: '0.1.0', available: null, state: 'none' })
    connect(a, b)
    const s = await stateOf(watcher, 'ready')
    expect(s).toMatchObject({ current: '0.1.0', available: '1.0.0', state: 'ready', lastResult: { outcome: 'ready', source: 'drive', version: '1.0.0' } })
  })

  it('reports nothing to do when the release is the running version', async () => {
    const { a, watcher } = await publisherAndNode('1.0.0')
    const b = (watcher as any).opts.library as Library
    await watcher.open()
    connect(a, b)
    await until(async () => (await watcher.checkNow()).lastResult?.version === '1.0.0', { what: 'the release to be seen' })
    expect(watcher.update).toMatchObject({ available: null, state: 'none' })
  })

  it('refuses a release too new for the running version (minVersion) and says why', async () => {
    const { a, watcher } = await publisherAndNode('0.0.1')
    await watcher.open()
    connect(a, (watcher as any).opts.library as Library)
    const s = await stateOf(watcher, 'refused')
    expect(s).toMatchObject({ available: '1.0.0', lastResult: { code: 'RELEASE_TOO_OLD' } })
  })

  it('finds a verified release bundle in an import folder (a USB stick) when the drive has none', async () => {
    const { r, b, dir } = await publisherAndNode('0.1.0')
    const stick = await tempDir('stick-')
    await fs.copyFile(r.bundle, path.join(stick, path.basename(r.bundle)))
    // A bundle signed by another key on the same stick is ignored.
    const fake = await publishRelease({ keyFile: path.join(stick, 'other.key'), data: path.join(dir.data, '..', 'c'), from: await writeTree(appTree('9.0.0')), version: '9.0.0' })
    await fs.copyFile(fake.bundle, path.join(stick, path.basename(fake.bundle)))
    const watcher = new ReleaseWatcher({ library: b, releaseKey: r.releaseKey, runningVersion: '0.1.0', bundleFolders: async () => [stick] })
    closers.push(() => watcher.close())
    await watcher.open()
    const s = await stateOf(watcher, 'ready')
    expect(s).toMatchObject({ available: '1.0.0', lastResult: { source: 'usb', version: '1.0.0' } })
  })
})

describe('a release made from a checkout (defaultAppTree)', () => {
  it('carries what bin/ runs, the bundle of dist/, and the compiled folders, but not the images built into dist/', async () => {
    const { defaultAppTree } = await import('../../services/update/release-publisher.js')
    const checkout = await tempDir('p2p-checkout-')
    const files: Record<string, string> = {
      'package.json': '{"version":"1.2.3"}',
      'package-lock.json': '{}',
      'bin/p2p-portal.js': "import { main } from '../dist/bundle/cli.js'\n",
      'dist/bundle/cli.js': 'export function main () {}\n',
      'dist/bundle/chunk-ABC.js': 'export const x = 1\n',
      'dist/app/cli.js': 'export function main () {}\n',
      'dist/services/errors.js': 'export {}\n',
      'dist/p2p-portal-1.2.3-arm64.img': 'a built image',
      'web/styles/portal.css': 'body {}',
      'web/visitor/page.ts': 'source'
    }
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.join(checkout, path.dirname(name)), { recursive: true })
      await fs.writeFile(path.join(checkout, name), text)
    }
    const tree = await defaultAppTree(checkout)
    try {
      const found = (await fs.readdir(tree, { recursive: true, withFileTypes: true }))
        .filter(e => e.isFile()).map(e => path.relative(tree, path.join(e.parentPath, e.name))).sort()
      expect(found).toEqual(['bin/p2p-portal.js', 'dist/app/cli.js', 'dist/bundle/chunk-ABC.js', 'dist/bundle/cli.js',
        'dist/services/errors.js', 'package-lock.json', 'package.json', 'web/styles/portal.css'])
    } finally {
      await fs.rm(tree, { recursive: true, force: true })
    }
  })
})
