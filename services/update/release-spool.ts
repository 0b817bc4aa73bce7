// <data>/updates/: where the node writes a verified release as a bundle for the root update helper to read.
// The node owns this folder; the helper trusts nothing in it and checks every bundle itself. A bundle is
// streamed out of the release drive (or off a USB stick) file by file, never held in memory whole, and at most
// two are kept: the one offered now and the one before it.
import path from 'node:path'
import fs from 'node:fs/promises'
import { asDiskFull } from '../errors.js'
import { BUNDLE_PREFIX, bundleName, type SignedRelease } from './release-bundle.js'
import { writeTar, type TarInput } from './tar-file.js'
import { compareVersions, parseVersion } from './release-manifest.js'
import { logger } from '../log.js'

const log = logger('update')
const KEEP = 2

export class ReleaseSpool {
  constructor (readonly dir: string) {}

  /** Writes `release` as `p2p-portal-release-<version>.tar` (through a temp file) and returns its path. */
  async write (release: SignedRelease): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 })
    const file = this.pathOf(release.version)
    const small = (p: string, b: Buffer): TarInput => ({ path: p, size: b.length, executable: false, open: () => b })
    const files: TarInput[] = [
      small('release-signer.pub', Buffer.from(release.signerPublicKey.toString('hex') + '\n')),
      small('manifest.json', release.manifestBytes),
      small('manifest.sig', release.signature),
      ...release.manifest.files.map((f): TarInput => ({
        path: 'app/' + f.path,
        size: f.size,
        executable: f.executable,
        open: () => release.createReadStream(f.path) as AsyncIterable<Buffer | Uint8Array>
      }))
    ]
    try {
      await writeTar(file, files)
    } catch (err) {
      await fs.rm(`${file}.partial`, { force: true })
      throw asDiskFull(err) ?? err
    }
    await this.prune(release.version)
    return file
  }

  /** Where the bundle of `version` is (or would be) written. */
  pathOf (version: string): string { return path.join(this.dir, bundleName(version)) }

  /** Bundles in the spool, newest first. */
  async list (): Promise<Array<{ file: string, version: string }>> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[])
    return names
      .filter(n => n.startsWith(BUNDLE_PREFIX) && n.endsWith('.tar') && parseVersion(n.slice(BUNDLE_PREFIX.length, -4)) !== null)
      .map(n => ({ file: path.join(this.dir, n), version: n.slice(BUNDLE_PREFIX.length, -4) }))
      .sort((a, b) => compareVersions(b.version, a.version))
  }

  private async prune (keep: string): Promise<void> {
    const all = await this.list()
    const others = all.filter(b => b.version !== keep)
    for (const old of others.slice(KEEP - 1)) {
      await fs.rm(old.file, { force: true })
      log.debug(`spool: removed ${path.basename(old.file)}`)
    }
  }
}
