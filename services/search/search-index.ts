// Search over file names and the words of text, Markdown and HTML files, per drive and per drive version.
// Built lazily (the first search after a change), incrementally (only files that changed since the indexed
// version, through the drive's diff), in bounded memory (a capped head of each file, capped words per file and
// per drive), and saved under the data folder so a restart does not reread every file.
import fs from 'node:fs/promises'
import path from 'node:path'
import type Hyperdrive from 'hyperdrive'
import type { Library } from '../storage/library.js'
import type { LibraryDrive } from '../storage/library-drive.js'
import { writeFileAtomic } from '../storage/atomic-file.js'
import { fileKind } from '../media/file-kind.js'
import { isHidden } from '../storage/library-drive.js'
import { readHead } from '../storage/read-head.js'
import { listCheckout } from '../storage/metadata-read-ahead.js'
import { logger } from '../log.js'
import { snippet, type Snippet } from './snippet.js'

const log = logger('search')

const TEXT_BYTES = 64 * 1024
const WORDS_PER_FILE = 3000
const FILES_PER_DRIVE = 50_000
// Past this many words in one drive, further files are found by name only.
const WORDS_PER_DRIVE = 500_000
const MAX_HITS = 100
// A search answers within this even while a big drive is still being indexed (it then covers what is done).
const WAIT_MS = 3_000

// Snippets reread the head of a matching file: only for the first results, and only blocks already here.
const SNIPPET_HITS = 20

export interface Hit { key: string, title: string, path: string, inText: boolean, snippet?: Snippet }

interface FileWords { name: string, words: Set<string> }
interface DriveIndex { version: number, local: number, files: Map<string, FileWords> }

/** Lower-case, accents removed, split on anything that is not a letter or a digit (works for Arabic too). */
export function words (text: string): string[] {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(w => w.length >= 2 && w.length <= 40)
}

function normName (p: string): string {
  return p.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase()
}

function htmlText (html: string): string {
  return html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<[^>]*>/g, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot|#39);/g, ' ')
}

export interface SearchIndexOptions { library: Library, dir: string }

export class SearchIndex {
  private readonly library: Library
  private readonly dir: string
  private readonly indexes = new Map<string, DriveIndex>()
  private readonly building = new Map<string, Promise<void>>()

  constructor (opts: SearchIndexOptions) {
    this.library = opts.library
    this.dir = opts.dir
  }

  async search (query: string): Promise<Hit[]> {
    const terms = words(query.slice(0, 200))
    if (!terms.length) return []
    const drives = this.library.list().filter(d => !this.library.isBlocked(d.id) && !this.library.isRelease(d.id))
    const updates = Promise.all(drives.map(d => this.update(d)))
    await Promise.race([updates, new Promise(r => setTimeout(r, WAIT_MS).unref())])
    const hits: Hit[] = []
    const last = terms[terms.length - 1]
    for (const d of drives) {
      const index = this.indexes.get(d.id)
      if (!index) continue
      for (const [p, f] of index.files) {
        let inText = false
        const all = terms.every((t, i) => {
          if (f.name.includes(t)) return true
          if (f.words.has(t)) { inText = true; return true }
          // The last word may still be being typed: accept a prefix.
          if (i === terms.length - 1 && t.length >= 3) {
            for (const w of f.words) if (w.startsWith(last)) { inText = true; return true }
          }
          return false
        })
        if (all) hits.push({ key: d.id, title: d.info.title || d.id.slice(0, 8), path: p, inText })
        if (hits.length >= MAX_HITS) break
      }
      if (hits.length >= MAX_HITS) break
    }
    const byKey = new Map(drives.map(d => [d.id, d]))
    await Promise.all(hits.filter(h => h.inText).slice(0, SNIPPET_HITS).map(async (h) => {
      const text = await this.text(await byKey.get(h.key)!.hyperdrive(), h.path).catch(() => null)
      if (text) h.snippet = snippet(text, terms)
    }))
    return hits
  }

  /** The indexed part of a file's text (the same head, HTML without its tags); null when not here. */
  private async text (drive: Hyperdrive, p: string): Promise<string | null> {
    const kind = fileKind(p)
    if (kind !== 'text' && kind !== 'markdown' && kind !== 'html') return null
    const entry = await drive.entry(p, { wait: false }).catch(() => null)
    const size = entry?.value?.blob?.byteLength ?? 0
    if (!size) return null
    // Only blocks already here: a search never waits on the network.
    const head = await readHead(drive, p, size, TEXT_BYTES, 0)
    if (!head) return null
    const text = head.toString('utf8')
    return kind === 'html' ? htmlText(text) : text
  }

  /** Brings one drive's index to its current version (one build per drive at a time). */
  update (d: LibraryDrive): Promise<void> {
    const running = this.building.get(d.id)
    if (running) return running
    const p = this.build(d).catch((err) => log.warn(`${d.id.slice(0, 8)}: ${err.message}`)).finally(() => this.building.delete(d.id))
    this.building.set(d.id, p)
    return p
  }

  private async build (d: LibraryDrive): Promise<void> {
    let index = this.indexes.get(d.id) ?? await this.load(d.id)
    const version = d.version
    const local = d.snapshot().localBytes
    // A drive still arriving is reindexed when more of it is here (its text files may have come).
    if (index && index.version === version && index.local >= local) { this.indexes.set(d.id, index); return }
    const snap = (await d.hyperdrive()).checkout(version)
    try {
      const changed: string[] = []
      const removed: string[] = []
      if (index && index.version > 1 && index.version <= version && index.local >= local) {
        for await (const { left, right } of snap.diff(index.version, '/') as AsyncIterable<{ left: { key: string } | null, right: { key: string } | null }>) {
          if (left) changed.push(left.key); else if (right) removed.push(right.key)
        }
      } else {
        index = { version: 0, local: 0, files: new Map() }
        for await (const node of listCheckout(snap) as AsyncIterable<{ key: string }>) {
          if (index.files.size + changed.length >= FILES_PER_DRIVE) break
          changed.push(node.key)
        }
      }
      const next: DriveIndex = { version, local, files: new Map(index.files) }
      for (const p of removed) next.files.delete(p)
      let total = 0
      for (const f of next.files.values()) total += f.words.size
      for (const p of changed) {
        if (isHidden(p)) continue
        total -= next.files.get(p)?.words.size ?? 0
        const w = total < WORDS_PER_DRIVE ? await this.fileWords(snap, p) : new Set<string>()
        total += w.size
        next.files.set(p, { name: normName(p), words: w })
      }
      this.indexes.set(d.id, next)
      await this.save(d.id, next)
    } finally {
      await snap.close().catch(() => { /* a read-only snapshot holds nothing to lose */ })
    }
  }

  private async fileWords (snap: Hyperdrive, p: string): Promise<Set<string>> {
    const text = await this.text(snap, p)
    if (!text) return new Set()
    const set = new Set<string>()
    for (const w of words(text)) { set.add(w); if (set.size >= WORDS_PER_FILE) break }
    return set
  }

  private file (key: string): string { return path.join(this.dir, `${key}.json`) }

  private async load (key: string): Promise<DriveIndex | undefined> {
    try {
      const raw = JSON.parse(await fs.readFile(this.file(key), 'utf8'))
      const files = new Map<string, FileWords>()
      for (const [p, w] of Object.entries(raw.files as Record<string, string[]>)) files.set(p, { name: normName(p), words: new Set(w) })
      return { version: Number(raw.version), local: Number(raw.local), files }
    } catch {
      return undefined
    }
  }

  private async save (key: string, index: DriveIndex): Promise<void> {
    const files: Record<string, string[]> = {}
    for (const [p, f] of index.files) files[p] = [...f.words]
    await fs.mkdir(this.dir, { recursive: true })
    await writeFileAtomic(this.file(key), JSON.stringify({ version: index.version, local: index.local, files }))
      .catch((err: Error) => log.warn(`cannot save index: ${err.message}`))
  }
}
