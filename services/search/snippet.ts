// A few words around the first match of a search in a file's text, found the way the index finds words (case
// and accents ignored) but cut from the original text. Plain strings: the page escapes them.
export interface Snippet { before: string, match: string, after: string }

const BEFORE = 60
const AFTER = 100

/** The text folded as `words()` folds it, with the original offset of every folded character. */
function fold (text: string): { folded: string, at: number[] } {
  let folded = ''
  const at: number[] = []
  let i = 0
  for (const ch of text) {
    const f = ch.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase()
    for (let k = 0; k < f.length; k++) at.push(i)
    folded += f
    i += ch.length
  }
  at.push(i)
  return { folded, at }
}

const clean = (s: string) => s.replace(/\s+/g, ' ')

export function snippet (text: string, terms: string[]): Snippet | undefined {
  const { folded, at } = fold(text)
  let best = -1
  let term = ''
  for (const t of terms) {
    // A whole word first (or the start of one, for the word still being typed), not the middle of another.
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'u')
    const m = re.exec(folded)
    if (m && (best === -1 || m.index < best)) { best = m.index; term = t }
  }
  if (best === -1) return undefined
  const start = at[best]
  const end = at[best + term.length]
  let from = Math.max(0, start - BEFORE)
  let to = Math.min(text.length, end + AFTER)
  // Whole words at the edges.
  if (from > 0) { const sp = text.indexOf(' ', from); if (sp !== -1 && sp < start) from = sp + 1 }
  if (to < text.length) { const sp = text.lastIndexOf(' ', to); if (sp > end) to = sp }
  return {
    before: (from > 0 ? '…' : '') + clean(text.slice(from, start)).trimStart(),
    match: text.slice(start, end),
    after: clean(text.slice(end, to)).trimEnd() + (to < text.length ? '…' : '')
  }
}
