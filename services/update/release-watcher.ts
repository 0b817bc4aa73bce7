// Follows the release drive (`--release-key`) and says whether a newer version is here, complete and valid:
// the `update` part of /api/status. It also looks for release bundles on USB sticks. On the appliance the ready
// release goes to the root helper through `installer`; a laptop node only reports it.
import path from 'node:path'
import fs from 'node:fs/promises'
import { Resource } from '../lifecycle/resource.js'
import type { Library } from '../storage/library.js'
import type { LibraryDrive } from '../storage/library-drive.js'
import { keyText, parseKey } from '../storage/drive-key.js'
import { logger } from '../log.js'
import { compareVersions, MAX_MANIFEST_BYTES } from './release-manifest.js'
import { latestReleaseVersion, manifestPath, notDownloaded, verifyRelease, type ReleaseDrive } from './verify-release.js'
import { driveSignerKey, SIGNATURE_BYTES, signaturePath, verifyManifestSignature } from './release-signature.js'
import { findBundles, verifyReleaseBundle, type SignedRelease } from './release-bundle.js'
import { isUpdateError, UpdateError } from './update-error.js'
import { DEFAULT_USB_ROOTS } from '../publish/usb-sticks.js'

const log = logger('update')
const CHECK_DELAY_MS = 200
const USB_SCAN_MS = 5_000

export type UpdateStateName = 'none' | 'downloading' | 'ready' | 'installing' | 'probation' | 'rolled-back' | 'refused'

export interface UpdateResult {
  at: number
  version: string | null
  outcome: 'none' | 'downloading' | 'ready' | 'refused' | 'installed' | 'rolled-back'
  code?: string
  reason: string
  /** Where the release was found: the release drive, or a bundle on a USB stick. */
  source?: 'drive' | 'usb'
}

export interface UpdateStatus {
  current: string
  /** The newest release newer than `current` seen so far (also while it downloads or when it was refused). */
  available: string | null
  state: UpdateStateName
  lastResult: UpdateResult | null
}

/** The appliance's hand-off to the root update helper (not part of a laptop node). */
export interface ReleaseInstallerSeam {
  /** Called once per verified release; the helper checks it again itself before installing. */
  offer (release: SignedRelease): Promise<void>
}

export interface ReleaseWatcherOptions {
  library: Library
  releaseKey: string
  runningVersion: string
  installer?: ReleaseInstallerSeam | null
  /** Folders whose top level may hold release bundles; default: the USB sticks mounted under /media and /run/media. */
  bundleFolders?: () => Promise<string[]>
  usbScanMs?: number
}

/** Mounted sticks' roots, one or two levels under each root (/media/LABEL, /media/user/LABEL). */
export async function stickFolders (roots: string[] = DEFAULT_USB_ROOTS): Promise<string[]> {
  const sub = async (dir: string) => (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter(e => e.isDirectory()).map(e => path.join(dir, e.name))
  const out: string[] = []
  for (const root of roots) {
    for (const a of await sub(root)) out.push(a, ...await sub(a))
  }
  return out
}

export class ReleaseWatcher extends Resource {
  readonly releaseKey: string
  private drive: LibraryDrive | null = null
  private status: UpdateStatus
  private timer: NodeJS.Timeout | null = null
  private usbTimer: NodeJS.Timeout | null = null
  private checking: Promise<void> = Promise.resolve()
  private readonly bundles = new Map<string, { stamp: string, result: SignedRelease | UpdateError }>()
  private offered: string | null = null
  private readonly onChange = () => this.schedule()

  constructor (private readonly opts: ReleaseWatcherOptions) {
    super()
    this.releaseKey = keyText(parseKey(opts.releaseKey))
    this.status = { current: opts.runningVersion, available: null, state: 'none', lastResult: null }
  }

  protected override async _open (): Promise<void> {
    const { library } = this.opts
    try {
      // Pinned and outside the caps (a `release` record); replicated from any peer that has it open.
      this.drive = library.isRelease(this.releaseKey) && library.record(this.releaseKey)?.own
        ? library.require(this.releaseKey, false)
        : await library.addMirror(this.releaseKey, { followed: true, pinned: true, release: true, title: 'p2p-portal releases' })
    } catch (err) {
      log.warn(`cannot follow the release drive: ${(err as Error).message}`)
    }
    for (const ev of ['update', 'counted', 'progress']) this.drive?.on(ev, this.onChange)
    this.usbTimer = setInterval(() => this.schedule(), this.opts.usbScanMs ?? USB_SCAN_MS)
    this.usbTimer.unref()
    this.schedule()
  }

  protected override async _close (): Promise<void> {
    if (this.usbTimer) clearInterval(this.usbTimer)
    if (this.timer) clearTimeout(this.timer)
    for (const ev of ['update', 'counted', 'progress']) this.drive?.off(ev, this.onChange)
    await this.checking
  }

  get update (): UpdateStatus { return { ...this.status } }

  /** What the root helper reports back while it installs (the hand-off is the appliance's). */
  reportInstall (state: 'installing' | 'probation' | 'rolled-back', result?: UpdateResult): void {
    this.status = { ...this.status, state, lastResult: result ?? this.status.lastResult }
    this.emit('status', this.update)
  }

  /** Checks again soon (coalesced): the drive grew, blocks arrived, or a stick may have been plugged in. */
  schedule (): void {
    if (this.timer || this.isClosing) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.checking = this.checking.then(() => this.check()).catch((err: Error) => log.error(`release check failed: ${err.message}`))
    }, CHECK_DELAY_MS)
  }

  /** One check now; resolves with the status it produced. */
  async checkNow (): Promise<UpdateStatus> {
    this.checking = this.checking.then(() => this.check()).catch((err: Error) => log.error(`release check failed: ${err.message}`))
    await this.checking
    return this.update
  }

  private async check (): Promise<void> {
    if (this.isClosing) return
    if (this.status.state === 'installing' || this.status.state === 'probation') return
    const snap = { current: null as any }
    try {
      await this.review(await this.checkDrive(snap))
    } finally {
      // Only now: the release handed to the installer reads its files from this checkout.
      await snap.current?.close().catch(() => { /* a read-only checkout holds nothing to lose */ })
    }
  }

  private async review (fromDrive: { release: SignedRelease | null, result: UpdateResult }): Promise<void> {
    const fromUsb = await this.checkBundles()
    const usbNewer = fromUsb !== null && (fromDrive.result.version === null || compareVersions(fromUsb.version, fromDrive.result.version) >= 0)
    const best = fromDrive.release === null && usbNewer
      ? { release: fromUsb, result: { at: Date.now(), version: fromUsb.version, outcome: 'ready' as const, reason: `release ${fromUsb.version} is ready (from a USB stick)`, source: 'usb' as const } }
      : fromDrive
    const previous = this.status
    const state: UpdateStateName = best.result.outcome === 'none' ? 'none' : best.result.outcome as UpdateStateName
    const available = best.result.version !== null && compareVersions(best.result.version, this.opts.runningVersion) > 0 ? best.result.version : null
    this.status = { current: this.opts.runningVersion, available, state, lastResult: best.result }
    if (previous.state !== state || previous.available !== available || previous.lastResult?.reason !== best.result.reason) {
      if (state === 'ready') log.info(`update ${available} available (${best.result.source === 'usb' ? 'USB stick' : 'release drive'})${this.opts.installer ? '' : ': this node only reports it'}`)
      else if (state === 'refused') log.warn(`update ${best.result.version ?? ''} refused: ${best.result.reason}`)
      else log.debug(`update: ${state}: ${best.result.reason}`)
      this.emit('status', this.update)
    }
    if (best.release !== null && this.opts.installer && this.offered !== best.release.version) {
      this.offered = best.release.version
      await this.opts.installer.offer(best.release).catch((err: Error) => log.error(`handing update ${best.release!.version} to the installer failed: ${err.message}`))
    }
  }

  /** `holder.current` is set to the checkout the release reads from; the caller closes it once done with the release. */
  private async checkDrive (holder: { current: any }): Promise<{ release: SignedRelease | null, result: UpdateResult }> {
    const at = Date.now()
    const result = (outcome: UpdateResult['outcome'], version: string | null, reason: string, code?: string): UpdateResult =>
      ({ at, version, outcome, reason, source: 'drive', ...(code ? { code } : {}) })
    const d = this.drive
    if (d === null || d.isClosing) return { release: null, result: result('none', null, 'the release drive is not open') }
    const figures = d.snapshot()
    if (!figures.known) return { release: null, result: result('none', null, 'nothing received from the release drive yet') }
    const hyperdrive = await d.hyperdrive()
    const snap = holder.current = hyperdrive.checkout(hyperdrive.version)
    const drive = readOnly(snap)
    const version = await latestReleaseVersion(drive).catch((err) => { if (notDownloaded(err)) return null; throw err })
    if (version === null) return { release: null, result: result('none', null, 'the release drive holds no release') }
    const order = compareVersions(version, this.opts.runningVersion)
    if (order === 0) return { release: null, result: result('none', version, `release ${version} is the running version`) }
    if (figures.localBytes < figures.bytes) return { release: null, result: result('downloading', version, `release ${version}: ${Math.floor(figures.localBytes * 100 / Math.max(1, figures.bytes))}% here`) }
    try {
      const verified = await verifyRelease(drive, { releaseKey: this.releaseKey, runningVersion: this.opts.runningVersion, version })
      const manifestBytes = await readBytes(snap, manifestPath(version), MAX_MANIFEST_BYTES)
      const signature = await readBytes(snap, signaturePath(version), SIGNATURE_BYTES)
      if (manifestBytes === null) throw new UpdateError('RELEASE_TRUNCATED', `Release ${version} is incomplete: its manifest has not been downloaded yet.`)
      if (signature === null) throw new UpdateError('RELEASE_BAD_SIGNATURE', `Release ${version} has no manifest.sig: the root helper could not check it.`)
      const signerPublicKey = driveSignerKey(hyperdrive.core)
      if (signerPublicKey === null) throw new UpdateError('RELEASE_WRONG_KEY', 'The release drive is not signed by a single key.')
      verifyManifestSignature(manifestBytes, signature, signerPublicKey, this.releaseKey)
      const release: SignedRelease = { ...verified, manifestBytes, signature, signerPublicKey }
      return { release, result: result('ready', version, `release ${version} is complete and verified`) }
    } catch (err) {
      if (isUpdateError(err, 'RELEASE_TRUNCATED') || notDownloaded(err)) return { release: null, result: result('downloading', version, (err as Error).message) }
      if (isUpdateError(err)) return { release: null, result: result('refused', version, err.message, err.code) }
      throw err
    }
  }

  /** The newest bundle on a stick that verifies, if any. Results are kept per file and size/time stamp: hashing a stick's bundle once is enough. */
  private async checkBundles (): Promise<SignedRelease | null> {
    const folders = await (this.opts.bundleFolders ?? (() => stickFolders()))().catch(() => [] as string[])
    const found = await findBundles(folders)
    found.sort((a, b) => compareVersions(b.version, a.version))
    for (const { file } of found) {
      if (compareVersions(found[0].version, this.opts.runningVersion) <= 0) return null
      const st = await fs.stat(file).catch(() => null)
      if (st === null) continue
      const stamp = `${st.size}:${st.mtimeMs}`
      let cached = this.bundles.get(file)
      if (cached?.stamp !== stamp) {
        const result = await verifyReleaseBundle(file, { releaseKey: this.releaseKey, runningVersion: this.opts.runningVersion })
          .catch((err: unknown) => isUpdateError(err) ? err : new UpdateError('RELEASE_TAMPERED', `${path.basename(file)}: ${(err as Error).message}`))
        cached = { stamp, result }
        this.bundles.set(file, cached)
        if (result instanceof UpdateError) log.warn(`${file} ignored: ${result.message}`)
      }
      if (!(cached.result instanceof UpdateError)) return cached.result
    }
    return null
  }
}

/** The drive's view for verification: never waits for a peer (a missing block is "not downloaded yet"). */
function readOnly (snap: any): ReleaseDrive {
  return {
    key: snap.key,
    list: (prefix: string) => snap.list(prefix, { recursive: true, wait: false }),
    readdir: (prefix: string) => snap.readdir(prefix, { wait: false }),
    createReadStream: (p: string, o?: Record<string, unknown>) => snap.createReadStream(p, { wait: false, ...o })
  }
}

async function readBytes (snap: any, p: string, limit: number): Promise<Buffer | null> {
  const entry = await snap.entry(p, { wait: false }).catch(() => null)
  if (!entry?.value?.blob) return null
  if (entry.value.blob.byteLength > limit) throw new UpdateError('RELEASE_BAD_MANIFEST', `${p} is larger than ${limit} bytes.`)
  return await snap.get(p, { wait: false }) as Buffer | null
}
