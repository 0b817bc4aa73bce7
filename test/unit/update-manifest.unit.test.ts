import { describe, it, expect, afterEach } from 'vitest'
import { compareVersions, parseManifest, parseVersion } from '../../services/update/release-manifest.js'
import { latestReleaseVersion, verifyRelease, appFolder, manifestPath } from '../../services/update/verify-release.js'
import { buildManifest } from '../../services/update/build-manifest.js'
import { UpdateError, type UpdateErrorCode } from '../../services/update/update-error.js'
import { tempDir, removeTempDirs, until } from '../helpers/temp-dir.js'
import { appTree, manifestFor, publish, realDrive, FakeDrive, sha256 } from './update-fixtures.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map(c => c()))
  await removeTempDirs()
})

async function refused (p: Promise<unknown> | (() => unknown), code: UpdateErrorCode): Promise<UpdateError> {
  let err: unknown
  try { await (typeof p === 'function' ? p() : p) } catch (e) { err = e }
  expect(err, `expected ${code}`).toBeInstanceOf(UpdateError)
  expect((err as UpdateError).code).toBe(code)
  return err as UpdateError
}

async function driveWith (version: string, tree = appTree(version)) {
  const d = await realDrive(await tempDir('update-drive-'))
  closers.push(d.close)
  await publish(d.drive, version, tree)
  return { ...d, tree }
}

describe('versions', () => {
  it('orders x.y.z numerically and puts pre-releases before their release', () => {
    const ordered = ['0.9.0', '0.10.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0']
    const shuffled = [...ordered].reverse().sort(compareVersions)
    expect(shuffled).toEqual(ordered)
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0)
  })

  it('accepts only x.y.z with an optional -tag, which is safe as a folder name', () => {
    for (const ok of ['0.0.0', '1.2.3', '10.20.30-rc.1', '1.0.0-x-y.7']) expect(parseVersion(ok), ok).not.toBeNull()
    for (const no of ['1.2', 'v1.2.3', '01.2.3', '1.2.3+build', '1.2.3-01', '1.2.3-', '../1.2.3', '1.2.3/x', '', ' 1.2.3']) expect(parseVersion(no), no).toBeNull()
  })
})

describe('release manifest', () => {
  const good = () => manifestFor('1.1.0', appTree('1.1.0'))

  it('parses a valid manifest, executable bits included', () => {
    const m = parseManifest(JSON.stringify(good()))
    expect(m.version).toBe('1.1.0')
    expect(m.files.find(f => f.path === 'bin/p2p-portal.js')!.executable).toBe(true)
    expect(m.files.find(f => f.path === 'package.json')!.executable).toBe(false)
  })

  const cases: Array<[string, (m: any) => unknown, RegExp]> = [
    ['text that is not JSON', () => '{"version":', /not JSON/],
    ['an unknown field', (m) => ({ ...m, postInstall: 'rm -rf /' }), /unknown field "postInstall"/],
    ['a version that is not x.y.z', (m) => ({ ...m, version: 'latest' }), /"version" must look like/],
    ['minVersion newer than version', (m) => ({ ...m, minVersion: '2.0.0' }), /newer than "version"/],
    ['a path climbing out of the release', (m) => ({ ...m, files: [...m.files, { path: '../../etc/passwd', size: 0, sha256: sha256(Buffer.alloc(0)) }] }), /"\.\." part/],
    ['an absolute path', (m) => ({ ...m, files: [...m.files, { path: '/etc/shadow', size: 0, sha256: sha256(Buffer.alloc(0)) }] }), /must be relative/],
    ['a file listed twice', (m) => ({ ...m, files: [...m.files, m.files[0]], size: m.size + m.files[0].size }), /listed twice/],
    ['a name that is both a file and a folder', (m) => ({ ...m, files: [...m.files, { path: 'package.json/x', size: 0, sha256: sha256(Buffer.alloc(0)) }] }), /as a file and as a folder/],
    ['a hash that is not SHA-256 hex', (m) => ({ ...m, files: m.files.map((f: any, i: number) => i === 0 ? { ...f, sha256: 'abc' } : f) }), /64 lower-case hex/],
    ['a size that does not add up', (m) => ({ ...m, size: m.size + 1 }), /add up to/],
    ['a negative file size', (m) => ({ ...m, files: m.files.map((f: any, i: number) => i === 0 ? { ...f, size: -1 } : f) }), /whole number of bytes/],
    ['no entry point', (m) => { const files = m.files.filter((f: any) => f.path !== 'bin/p2p-portal.js'); return { ...m, files, size: files.reduce((n: number, f: any) => n + f.size, 0) } }, /bin\/p2p-portal\.js/],
    ['an empty file list', (m) => ({ ...m, files: [], size: 0 }), /non-empty list/]
  ]
  for (const [what, change, reason] of cases) {
    it(`refuses ${what} with RELEASE_BAD_MANIFEST and says why`, async () => {
      const input = change(good())
      const err = await refused(() => parseManifest(typeof input === 'string' ? input : JSON.stringify(input)), 'RELEASE_BAD_MANIFEST')
      expect(err.message).toMatch(reason)
    })
  }
})

describe('verifying a release from the drive', () => {
  it('accepts a complete release from the release key, and its source streams the verified bytes (real Hyperdrive)', async () => {
    const { drive, tree } = await driveWith('1.1.0')
    const release = await verifyRelease(drive, { releaseKey: drive.key, runningVersion: '1.0.0' })
    expect(release.version).toBe('1.1.0')
    expect(release.manifest.files).toHaveLength(tree.size)
    const chunks: Buffer[] = []
    for await (const c of release.createReadStream('node_modules/some-dep/big.bin')) chunks.push(Buffer.from(c as Buffer))
    expect(Buffer.concat(chunks).equals(tree.get('node_modules/some-dep/big.bin')!)).toBe(true)
  })

  it('takes the release key as its z32 id too', async () => {
    const { drive } = await driveWith('1.1.0')
    const { encode } = await import('hypercore-id-encoding')
    await expect(verifyRelease(drive, { releaseKey: encode(drive.key), runningVersion: '1.0.0' })).resolves.toBeTruthy()
  })

  it('refuses a release from any other drive, even with identical content (real Hyperdrive)', async () => {
    const official = await driveWith('1.1.0')
    const copy = await driveWith('1.1.0', official.tree)
    const err = await refused(verifyRelease(copy.drive, { releaseKey: official.drive.key, runningVersion: '1.0.0' }), 'RELEASE_WRONG_KEY')
    expect(err.message).toMatch(/configured release drive/)
  })

  it('refuses a release whose file was changed after the manifest, naming the file (real Hyperdrive)', async () => {
    const { drive, tree } = await driveWith('1.1.0')
    const evil = Buffer.from(tree.get('dist/services/cli.js')!.toString().replace(/./, 'X'))
    await drive.put(`${appFolder('1.1.0')}/dist/services/cli.js`, evil)
    const err = await refused(verifyRelease(drive, { releaseKey: drive.key, runningVersion: '1.0.0' }), 'RELEASE_TAMPERED')
    expect(err.message).toMatch(/dist\/services\/cli\.js has different content/)
  })

  it('refuses a release with a file cut short, and one with a file missing (real Hyperdrive)', async () => {
    const { drive, tree } = await driveWith('1.1.0')
    await drive.put(`${appFolder('1.1.0')}/node_modules/some-dep/big.bin`, tree.get('node_modules/some-dep/big.bin')!.subarray(0, 70_000))
    const short = await refused(verifyRelease(drive, { releaseKey: drive.key, runningVersion: '1.0.0' }), 'RELEASE_TRUNCATED')
    expect(short.message).toMatch(/big\.bin has 70000 of its \d+ bytes/)

    await drive.put(`${appFolder('1.1.0')}/node_modules/some-dep/big.bin`, tree.get('node_modules/some-dep/big.bin')!)
    await drive.del(`${appFolder('1.1.0')}/bin/p2p-portal.js`)
    const missing = await refused(verifyRelease(drive, { releaseKey: drive.key, runningVersion: '1.0.0' }), 'RELEASE_TRUNCATED')
    expect(missing.message).toMatch(/bin\/p2p-portal\.js is missing/)
  })

  it('refuses a release whose blocks are not on this node yet instead of waiting for a peer (real Hyperdrive, replicated)', async () => {
    const { drive, store } = await driveWith('1.1.0')
    const mirror = await realDrive(await tempDir('update-mirror-'))
    closers.push(mirror.close)
    const copy = new (drive.constructor as any)(mirror.store, drive.key)
    await copy.ready()
    closers.push(() => copy.close())
    const a = store.replicate(true)
    const b = mirror.store.replicate(false)
    a.pipe(b).pipe(a)
    await until(async () => { await copy.update({ wait: true }); return copy.db.core.length === drive.db.core.length }, { what: 'the drive index' })
    await copy.db.core.download({ start: 0, end: copy.db.core.length }).done()
    expect(await copy.get(manifestPath('1.1.0'))).not.toBeNull()
    a.destroy(); b.destroy()
    const err = await refused(verifyRelease(copy, { releaseKey: drive.key, runningVersion: '1.0.0' }), 'RELEASE_TRUNCATED')
    expect(err.message).toMatch(/has not been downloaded yet/)
  })

  it('refuses a file in the release that the manifest does not list', async () => {
    const d = new FakeDrive()
    await publish(d, '1.1.0', appTree('1.1.0'))
    await d.put(`${appFolder('1.1.0')}/dist/extra.js`, Buffer.from('x'))
    const err = await refused(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.0.0' }), 'RELEASE_TAMPERED')
    expect(err.message).toMatch(/dist\/extra\.js is not in the manifest/)
  })

  it('refuses an older release and the running one: no silent downgrade', async () => {
    const d = new FakeDrive()
    await publish(d, '1.1.0', appTree('1.1.0'))
    expect((await refused(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.2.0' }), 'RELEASE_DOWNGRADE')).message).toMatch(/older than the running 1\.2\.0/)
    expect((await refused(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.1.0' }), 'RELEASE_DOWNGRADE')).message).toMatch(/already running/)
  })

  it('refuses a release the running version is too old to update to, saying which version it needs', async () => {
    const d = new FakeDrive()
    const tree = appTree('2.0.0')
    await publish(d, '2.0.0', tree, manifestFor('2.0.0', tree, { minVersion: '1.5.0' }))
    const err = await refused(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.4.9' }), 'RELEASE_TOO_OLD')
    expect(err.message).toMatch(/only update 1\.5\.0 or newer; this node runs 1\.4\.9/)
    await expect(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.5.0' })).resolves.toBeTruthy()
  })

  it('refuses a malformed manifest, and one published under another version', async () => {
    const d = new FakeDrive()
    await publish(d, '1.1.0', appTree('1.1.0'), '{ "version": "1.1.0", ')
    expect((await refused(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.0.0' }), 'RELEASE_BAD_MANIFEST')).message).toMatch(/not JSON/)
    const e = new FakeDrive()
    await publish(e, '1.2.0', appTree('1.1.0'), manifestFor('1.1.0', appTree('1.1.0')))
    expect((await refused(verifyRelease(e, { releaseKey: e.key, runningVersion: '1.0.0' }), 'RELEASE_BAD_MANIFEST')).message).toMatch(/says version 1\.1\.0 but is published as 1\.2\.0/)
  })

  it('refuses a release folder with no manifest as incomplete', async () => {
    const d = new FakeDrive()
    await publish(d, '1.1.0', appTree('1.1.0'))
    d.files.delete(manifestPath('1.1.0'))
    expect((await refused(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.0.0', version: '1.1.0' }), 'RELEASE_TRUNCATED')).message).toMatch(/no manifest\.json/)
  })

  it('checks the newest published version by semver, not by name (1.10.0 after 1.9.0)', async () => {
    const d = new FakeDrive()
    for (const v of ['1.9.0', '1.10.0', '1.10.0-rc.1']) await publish(d, v, appTree(v))
    await d.put('/releases/notes.txt', Buffer.from('not a version'))
    expect(await latestReleaseVersion(d)).toBe('1.10.0')
    expect((await verifyRelease(d, { releaseKey: d.key, runningVersion: '1.0.0' })).version).toBe('1.10.0')
  })
})

describe('building a manifest from an app tree on disk', () => {
  it('hashes every plain file, keeps the executable bit, leaves out links, and the result verifies once published', async () => {
    const fs = await import('node:fs/promises')
    const path = await import('node:path')
    const dir = await tempDir('update-tree-')
    const tree = appTree('1.1.0')
    for (const [p, b] of tree) {
      await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true })
      await fs.writeFile(path.join(dir, p), b, { mode: p.startsWith('bin/') ? 0o755 : 0o644 })
    }
    await fs.mkdir(path.join(dir, 'node_modules/.bin'))
    await fs.symlink('../some-dep/index.js', path.join(dir, 'node_modules/.bin/some-dep'))
    const { manifest, skipped } = await buildManifest(dir, { version: '1.1.0', minVersion: '1.0.0', notes: 'Faster mirroring' })
    expect(skipped).toEqual(['node_modules/.bin/some-dep'])
    expect(manifest).toEqual(manifestFor('1.1.0', tree, { minVersion: '1.0.0', notes: 'Faster mirroring', files: manifestFor('1.1.0', tree).files.sort((a, b) => a.path < b.path ? -1 : 1) }))
    const d = new FakeDrive()
    await publish(d, '1.1.0', tree, manifest)
    await expect(verifyRelease(d, { releaseKey: d.key, runningVersion: '1.0.0' })).resolves.toBeTruthy()
  })
})
