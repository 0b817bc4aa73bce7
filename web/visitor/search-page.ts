// Search results: file names and text matches across every drive held here, each with its kind's icon and,
// for a match in the text, the words around it.
import type { Translator } from '../i18n/language.js'
import { esc, pathUrl } from '../html/escape.js'
import type { Hit } from '../../services/search/search-index.js'
import { fileKind, KIND_ICON } from '../../services/media/file-kind.js'

function item (tr: Translator, h: Hit): string {
  const name = h.path.split('/').pop() ?? ''
  const s = h.snippet
  const snip = s ? `<span class="snip">${esc(s.before)}<mark>${esc(s.match)}</mark>${esc(s.after)}</span>` : ''
  return `<li><span class="icon" aria-hidden="true">${KIND_ICON[fileKind(name)]}</span><div><a href="/drive/${h.key}${pathUrl(h.path)}">${esc(name)}</a><br><span class="note">${esc(h.title)} · ${esc(h.path)}${h.inText ? ` · ${esc(tr.t('matchText'))}` : ''}</span>${snip}</div></li>`
}

export function searchPage (tr: Translator, q: string, hits: Hit[]): string {
  if (!q.trim()) return `<h1>${esc(tr.t('search'))}</h1><p>${esc(tr.t('searchLabel'))}</p>`
  return `<h1>${esc(hits.length === 1 ? tr.t('results1', { q }) : hits.length ? tr.t('results', { n: hits.length, q }) : tr.t('noResults', { q }))}</h1>
${hits.length ? `<ul class="hits">${hits.map(h => item(tr, h)).join('\n')}</ul>` : ''}`
}
