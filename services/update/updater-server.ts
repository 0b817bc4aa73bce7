// p2p-portal-updater's socket: the root side of updates. The node facing phones holds no right to replace its
// own code; it writes a release bundle into its spool folder and asks, over this socket, for exactly five
// things: status, offer, install, go-back, forget. Everything the node says is checked again here: an offered
// bundle is verified from scratch (signature against the release key this helper was given, version rules,
// every file's hash) when offered (once per unchanged file) and again when installed, and the installer hashes
// each byte once more as it stages it. The helper runs in its own unit, so restarting the node's unit does not stop an install.
import fs from 'node:fs/promises'
import path from 'node:path'
import { BAD_REQUEST, isPortalError } from '../errors.js'
import { logger } from '../log.js'
import { Resource } from '../lifecycle/resource.js'
import { readJson, writeFileAtomic } from '../storage/atomic-file.js'
import { ReleaseInstaller, type InstallResult, type InstallStep, type ReleaseInstallerOptions } from './release-installer.js'
import { verifyReleaseBundle, type SignedRelease } from './release-bundle.js'
import { UpdateError, isUpdateError } from './update-error.js'
import { isVersion } from './release-manifest.js'
import { bundleVersion, parseUpdaterRequest, type OfferedRelease, type UpdaterReply, type UpdaterRequest, type UpdaterStatus } from './parse-updater-request.js'
import { LineServer } from '../line-socket/line-server.js'

const log = logger('updater')
/** Beside update-state.json: the offer survives a restart of the helper (it is verified again before use). */
export const OFFER_FILE = 'offer.json'

export interface UpdaterServerOptions {
  installer: Omit<ReleaseInstallerOptions, 'onStep'>
  /** The configured release key: the only signer whose releases are installed. */
  releaseKey: string
  /** The node's spool folder: offers must name a bundle directly in it. Null = any folder (tests, manual runs). */
  spool?: string | null
  /** Listen on this path (tests, manual runs)... */
  path?: string
  /** ...or on a listening socket inherited from systemd (socket activation): its fd, 3. */
  fd?: number
  /** Longest request line; anything longer is refused and its connection closed. */
  maxLineBytes?: number
  /** A client that connects and sends no complete line within this time is dropped. */
  requestTimeoutMs?: number
}

interface Offer {
  path: string
  release: Omit<OfferedRelease, 'held'>
  /** The file and running version as they were when it was verified: an unchanged file offered again is not hashed again. */
  stamp?: string
}

export class UpdaterServer extends Resource {
  readonly installer: ReleaseInstaller
  private readonly opts: UpdaterServerOptions
  private readonly line: LineServer
  private offer: Offer | null = null
  private busy: { action: InstallStep['action'], version: string, since: string } | null = null
  private step: InstallStep | null = null
  private firstStep: (() => void) | null = null
  /** Offers being verified, by path: the same file offered again meanwhile gets the same answer. */
  private readonly verifying = new Map<string, Promise<UpdaterStatus>>()
  /** The install or go-back running in the background, once its request was answered. */
  running: Promise<InstallResult | null> = Promise.resolve(null)

  constructor (opts: UpdaterServerOptions) {
    super()
    this.opts = opts
    this.line = new LineServer('UpdaterServer', {
      who: 'p2p-portal-updater',
      log,
      answer: (line) => this.handle(line),
      tooLong: (max) => failure(BAD_REQUEST(`The request line is longer than ${max} bytes.`, { reason: 'updaterBadRequest' })),
      path: opts.path,
      fd: opts.fd,
      maxLineBytes: opts.maxLineBytes,
      requestTimeoutMs: opts.requestTimeoutMs
    })
    this.installer = new ReleaseInstaller({
      ...opts.installer,
      // The end of the work is start()'s to say, once its bookkeeping is done too.
      onStep: (step) => {
        if (step === null) return
        this.step = step
        this.firstStep?.()
      }
    })
  }

  get offerFile (): string { return path.join(this.installer.root, OFFER_FILE) }

  protected override async _open (): Promise<void> {
    await this.loadOffer()
    await this.line.open()
  }

  /**
   * An install in progress is not awaited: it can take minutes of probation. If the helper is stopped in the
   * middle, the next start's recover() finds the unconfirmed probation and goes back to the version before.
   */
  protected override async _close (): Promise<void> {
    await this.line.close()
  }

  /** Answers one request line; never throws (a failure is a reply). */
  async handle (line: string): Promise<UpdaterReply> {
    let req: UpdaterRequest
    try {
      req = parseUpdaterRequest(line)
    } catch (err) {
      log.warn(`refused a request: ${(err as Error).message}`)
      return failure(err)
    }
    try {
      switch (req.op) {
        case 'status': return { ok: true, ...await this.status() }
        case 'offer': return { ok: true, ...await this.takeOffer(req.path) }
        case 'install': return await this.install(req.version)
        case 'go-back': return await this.start('go-back', (await this.installer.readState()).previous ?? '?', () => this.installer.goBack())
        case 'forget':
          await this.setOffer(null)
          return { ok: true, ...await this.status() }
      }
    } catch (err) {
      if (isUpdateError(err) || isPortalError(err)) log.warn(`${req.op} refused: ${err.message}`)
      else log.error(`${req.op} failed: ${(err as Error).stack ?? String(err)}`)
      return failure(err)
    }
  }

  async status (): Promise<UpdaterStatus> {
    const state = await this.installer.readState()
    const step = this.step ?? (this.busy ? { ...this.busy, phase: 'checking' as const } : null)
    return {
      current: await this.installer.currentVersion(),
      previous: state.previous,
      offered: this.offer ? { ...this.offer.release, held: state.held[this.offer.release.version] !== undefined } : null,
      step,
      bad: state.bad,
      history: state.history
    }
  }

  /**
   * Checks the bundle completely; a refusal is recorded in the history the admin page shows. Hashing a release takes
   * seconds on a Pi and minutes under emulation: an offer of a file whose check is under way waits for that check,
   * and an offer of the file already verified, unchanged, is answered without hashing it again (install checks it
   * again in any case).
   */
  private async takeOffer (file: string): Promise<UpdaterStatus> {
    let answer = this.verifying.get(file)
    if (answer === undefined) {
      answer = this.checkOffer(file).finally(() => this.verifying.delete(file))
      this.verifying.set(file, answer)
    }
    return await answer
  }

  private async checkOffer (file: string): Promise<UpdaterStatus> {
    const spool = this.opts.spool ?? null
    if (spool !== null && path.dirname(file) !== path.resolve(spool)) {
      throw BAD_REQUEST(`Offered bundles must be in ${spool}, the node's spool folder.`, { reason: 'updaterBadRequest' })
    }
    const state = await this.installer.readState()
    const version = bundleVersion(file)
    if (state.bad[version]) throw new UpdateError('RELEASE_MARKED_BAD', `Release ${version} failed before (${state.bad[version]}) and is not tried again.`)
    // Taken before the hashing: a file changed while it is hashed no longer matches, and is checked again next time.
    const stamp = await this.stampOf(file)
    if (stamp !== null && this.offer?.path === file && this.offer.stamp === stamp) {
      log.info(`release ${version} offered again, unchanged since it was verified (${file})`)
      return await this.status()
    }
    const release = await this.verify(file)
    await this.setOffer({
      path: file,
      release: { version: release.version, minVersion: release.manifest.minVersion, notes: release.manifest.notes, size: release.manifest.size, at: new Date().toISOString() },
      ...(stamp !== null ? { stamp } : {})
    })
    log.info(`release ${release.version} offered and verified (${file})`)
    return await this.status()
  }

  /** The file's identity and last change (ctime: the node can set a file's mtime, not its ctime), and the running version. */
  private async stampOf (file: string): Promise<string | null> {
    const st = await fs.lstat(file, { bigint: true }).catch(() => null)
    if (st === null || !st.isFile()) return null
    return `${st.dev}:${st.ino}:${st.size}:${st.ctimeNs}:${await this.installer.currentVersion() ?? ''}`
  }

  private async install (version: string | undefined): Promise<UpdaterReply> {
    const offer = this.offer
    if (offer === null) throw new UpdateError('NOTHING_OFFERED', 'No verified release is waiting to be installed.')
    if (version !== undefined && version !== offer.release.version) {
      throw new UpdateError('NOTHING_OFFERED', `Release ${version} is not the one waiting to be installed (${offer.release.version} is).`)
    }
    return await this.start('install', offer.release.version, async () => {
      // Checked again: the node may have changed the file since it offered it. The signature, versions and sizes
      // here; every byte's hash as the installer stages it (a changed file is refused there, before any switch).
      const release = await this.verify(offer.path, { hashes: false })
      if (release.version !== offer.release.version) throw new UpdateError('RELEASE_TAMPERED', `${path.basename(offer.path)} now holds release ${release.version}.`)
      return await this.installer.install(release)
    })
  }

  /**
   * One install or go-back at a time. The request is answered once the work has got past its checks (its first
   * step) or has ended before one: so a refusal comes back as the reply, and the node, which the work will
   * restart, is not left waiting for the end. `step` stays set until the work's bookkeeping (the offer it used)
   * is done too: a status with `step` null is a settled one, whose history's newest entry is the outcome.
   */
  private async start (action: InstallStep['action'], version: string, run: () => Promise<InstallResult>): Promise<UpdaterReply> {
    if (this.busy !== null) {
      throw new UpdateError('UPDATE_BUSY', `${this.busy.action === 'install' ? `An install of ${this.busy.version}` : `Going back to ${this.busy.version}`} is under way since ${this.busy.since}: wait for it to finish.`)
    }
    this.busy = { action, version, since: new Date().toISOString() }
    const stepped = new Promise<null>((resolve) => { this.firstStep = () => resolve(null) })
    const done = run()
    let answered = false
    this.running = done.then(async (res) => {
      await this.finished(res).catch((err: Error) => log.error(`after ${action} of ${version}: ${err.message}`))
      return res
    }, (err: Error) => {
      // Before the reply, the failure is the reply (handle() logs it); after it, only the journal can tell.
      if (answered) log.error(`${action} of ${version} failed: ${err.stack ?? err.message}`)
      return null
    }).finally(() => {
      this.busy = null
      this.step = null
      this.firstStep = null
    })
    let first: InstallResult | null
    try {
      first = await Promise.race([stepped, done])
    } catch (err) {
      await this.running
      throw err
    } finally {
      answered = true
    }
    if (first === null) return { ok: true, version }
    // Over before its first step (refused): answered once settled, so the next request does not find it busy.
    await this.running
    if (first.outcome === 'refused') return { ok: false, code: first.code, message: first.reason }
    return { ok: true, version: first.version }
  }

  private async finished (res: InstallResult): Promise<void> {
    log.info(`${res.outcome}: ${res.version}${'reason' in res ? ` (${res.reason})` : ''}`)
    if (res.outcome !== 'went-back' && this.offer?.release.version === res.version) await this.setOffer(null)
  }

  private async verify (file: string, opts: { hashes?: boolean } = {}): Promise<SignedRelease> {
    const st = await fs.lstat(file).catch(() => null)
    // A link could point the root helper at any file on the card.
    if (st === null || !st.isFile()) throw BAD_REQUEST(`${file} is not a regular file.`, { reason: 'updaterBadRequest' })
    const current = await this.installer.currentVersion()
    if (current === null) throw new UpdateError('RELEASE_NOT_READY', 'The update helper has not recovered from an earlier interruption yet: restart it.')
    const expected = bundleVersion(file)
    try {
      const release = await verifyReleaseBundle(file, { releaseKey: this.opts.releaseKey, runningVersion: current, ...opts })
      if (release.version !== expected) throw new UpdateError('RELEASE_TAMPERED', `${path.basename(file)} holds release ${release.version}, not ${expected}.`)
      return release
    } catch (err) {
      if (isUpdateError(err)) await this.installer.recordRefusal(expected, err)
      throw err
    }
  }

  private async setOffer (offer: Offer | null): Promise<void> {
    this.offer = offer
    if (offer === null) await fs.rm(this.offerFile, { force: true })
    else await writeFileAtomic(this.offerFile, JSON.stringify(offer) + '\n')
  }

  /** The last offer, if its bundle is still there; install() verifies it again anyway. */
  private async loadOffer (): Promise<void> {
    const saved = await readJson<Partial<Offer> | null>(this.offerFile, null).catch(() => null)
    const r = saved?.release
    if (typeof saved?.path !== 'string' || r === undefined || !isVersion(r.version)) return
    if (await fs.lstat(saved.path).then(s => s.isFile(), () => false)) {
      this.offer = {
        path: saved.path,
        release: { version: r.version, minVersion: String(r.minVersion), notes: String(r.notes ?? ''), size: Number(r.size) || 0, at: String(r.at) },
        ...(typeof saved.stamp === 'string' ? { stamp: saved.stamp } : {})
      }
    }
  }
}

function failure (err: unknown): UpdaterReply {
  if (isUpdateError(err) || isPortalError(err)) return { ok: false, code: err.code, message: err.message }
  // Not one of ours: its text may name paths or internals, which stay in the journal.
  return { ok: false, code: 'INSTALL_FAILED', message: 'p2p-portal-updater hit an internal error; see its journal.' }
}
