// The organiser's password, kept only as a scrypt hash in `<data>/admin-password.json` (written atomically:
// the SD card can lose power at any moment). It is set from --admin-password-file at start, or once, on the
// node itself, on the first visit. There is no default password.
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { readJson, writeFileAtomic } from '../../services/storage/atomic-file.js'
import { BAD_REQUEST, CONFIG_INVALID, asDiskFull } from '../../services/errors.js'
import { logger } from '../../services/log.js'

const log = logger('admin')
const scrypt = promisify(crypto.scrypt) as (pw: crypto.BinaryLike, salt: crypto.BinaryLike, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>

export const PASSWORD_FILE = 'admin-password.json'
// N = 2^14 needs 16 MiB per hash: affordable on a 512 MB Pi Zero 2 W, ~100 ms there per attempt.
const PARAMS = { N: 16384, r: 8, p: 1 }
const KEY_LEN = 32
export const MIN_LENGTH = 8
const MAX_LENGTH = 1024

interface StoredHash { algo: 'scrypt', N: number, r: number, p: number, salt: string, hash: string }

export interface AdminPasswordOptions {
  dataDir: string
  /** --admin-password-file: its content is the password (one trailing newline ignored). */
  passwordFile?: string | null
}

export class AdminPassword {
  private stored: StoredHash | null = null
  private opening: Promise<void> | null = null
  // One hash at a time: a burst of logins must not take 16 MiB each at once.
  private queue: Promise<unknown> = Promise.resolve()

  constructor (private readonly opts: AdminPasswordOptions) {}

  get file (): string { return path.join(this.opts.dataDir, PASSWORD_FILE) }

  ready (): Promise<void> {
    if (!this.opening) this.opening = this.open()
    return this.opening
  }

  private async open (): Promise<void> {
    this.stored = validStored(await readJson<unknown>(this.file, null).catch(() => null))
    const source = this.opts.passwordFile
    if (!source) return
    let text: string
    try {
      text = await fs.readFile(source, 'utf8')
    } catch (err) {
      throw CONFIG_INVALID(`Cannot read the admin password file ${source} (${(err as Error).message}): check admin-password-file.`)
    }
    const password = text.replace(/\r?\n$/, '')
    if (password.length < MIN_LENGTH) throw CONFIG_INVALID(`The admin password in ${source} is shorter than ${MIN_LENGTH} characters: choose a longer one.`)
    // The file wins over an older password set on the page; rehash only when it changed (saves SD writes).
    if (this.stored && await this.matches(password)) return
    await this.save(password)
    log.info(`admin password set from ${source}`)
  }

  async isSet (): Promise<boolean> {
    await this.ready()
    return this.stored !== null
  }

  async verify (password: string): Promise<boolean> {
    await this.ready()
    if (!this.stored || typeof password !== 'string' || password.length > MAX_LENGTH) return false
    return this.matches(password)
  }

  async set (password: string): Promise<void> {
    await this.ready()
    checkNew(password)
    await this.save(password)
  }

  private async matches (password: string): Promise<boolean> {
    const s = this.stored!
    const got = await this.hash(password, Buffer.from(s.salt, 'base64'), { N: s.N, r: s.r, p: s.p })
    const want = Buffer.from(s.hash, 'base64')
    return got.length === want.length && crypto.timingSafeEqual(got, want)
  }

  private async save (password: string): Promise<void> {
    const salt = crypto.randomBytes(16)
    const hash = await this.hash(password, salt, PARAMS)
    const stored: StoredHash = { algo: 'scrypt', ...PARAMS, salt: salt.toString('base64'), hash: hash.toString('base64') }
    try {
      await writeFileAtomic(this.file, JSON.stringify(stored) + '\n')
    } catch (err) {
      throw asDiskFull(err) ?? err
    }
    this.stored = stored
  }

  private hash (password: string, salt: Buffer, p: { N: number, r: number, p: number }): Promise<Buffer> {
    const run = () => scrypt(password.normalize('NFC'), salt, KEY_LEN, { ...p, maxmem: 64 * 1024 * 1024 })
    const next = this.queue.then(run, run)
    this.queue = next.catch(() => { /* the caller gets the error from next; the queue only orders */ })
    return next
  }
}

export function checkNew (password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_LENGTH) throw BAD_REQUEST(`The password must have at least ${MIN_LENGTH} characters.`, { reason: 'passwordTooShort', n: MIN_LENGTH, field: 'password' })
  if (password.length > MAX_LENGTH) throw BAD_REQUEST(`The password must have at most ${MAX_LENGTH} characters.`, { reason: 'passwordTooLong', n: MAX_LENGTH, field: 'password' })
  return password
}

function validStored (v: unknown): StoredHash | null {
  const s = v as StoredHash | null
  if (!s || s.algo !== 'scrypt' || typeof s.salt !== 'string' || typeof s.hash !== 'string') return null
  if (![s.N, s.r, s.p].every(n => Number.isSafeInteger(n) && n > 0)) return null
  return s
}
