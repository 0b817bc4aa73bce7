// A small JSON state file with few writes: the SD card is slow and wears. Important changes are
// written at once (atomically); frequent, unimportant ones (last-used times) at most once a minute.
import { readJson, writeFileAtomic } from './atomic-file.js'
import { asDiskFull } from '../errors.js'
import { logger } from '../log.js'

const log = logger('state')
const LAZY_MS = 60_000
const SOON_MS = 200

export class StateFile<T> {
  value: T
  private timer: NodeJS.Timeout | null = null
  private timerDue = 0
  private writing: Promise<void> = Promise.resolve()
  private dirty = false

  constructor (readonly file: string, private readonly initial: T) {
    this.value = structuredClone(initial)
  }

  async load (): Promise<void> {
    try {
      this.value = { ...structuredClone(this.initial), ...await readJson<T>(this.file, this.initial) }
    } catch (err) {
      // A torn write cannot happen (atomic rename), but a hand-edited file can be broken: keep a copy, start clean.
      log.error(`${this.file} is unreadable (${(err as Error).message}); it was kept as ${this.file}.broken`)
      await import('node:fs/promises').then(fs => fs.rename(this.file, this.file + '.broken')).catch(() => { /* starting clean matters; the copy is a courtesy */ })
      this.value = structuredClone(this.initial)
    }
  }

  changed ({ lazy = false } = {}): void {
    this.dirty = true
    const due = Date.now() + (lazy ? LAZY_MS : SOON_MS)
    if (this.timer && this.timerDue <= due) return
    if (this.timer) clearTimeout(this.timer)
    this.timerDue = due
    this.timer = setTimeout(() => { this.timer = null; this.flush().catch(() => { /* flush() logged it and stays dirty: the next change retries */ }) }, due - Date.now())
    this.timer.unref()
  }

  async flush (): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
    this.dirty = true
    const run = async () => {
      if (!this.dirty) return
      this.dirty = false
      try {
        await writeFileAtomic(this.file, JSON.stringify(this.value, null, 1))
      } catch (err) {
        this.dirty = true
        const full = asDiskFull(err)
        log.error(`cannot save ${this.file}: ${(full ?? err as Error).message}`)
        throw full ?? err
      }
    }
    this.writing = this.writing.then(run, run)
    return this.writing
  }
}
