// Search results: file names and text matches across every drive held here.
import type { Translator } from '../i18n/language.js'
import { esc, pathUrl } from '../html/escape.js'
import type { Hit } from '../../services/search/search-index.js'

export function searchPage (tr: Translator, q: string, hits: Hit[]): string {
  if (!q.trim()) return `<h1>${esc(tr.t('search'))}</h1><p>${esc(tr.t('searchLabel'))}</p>`
  const items = hits.map(h => `<li><a href="/drive/${h.key}${pathUrl(h.path)}">${esc(h.path.split('/').pop())}</a><br><span class="note">${esc(h.title)} · ${esc(h.path)}${h.inText ? ` · ${esc(tr.t('matchText'))}` : ''}</span></li>`)
  return `<h1>${esc(hits.length === 1 ? tr.t('results1', { q }) : hits.length ? tr.t('results', { n: hits.length, q }) : tr.t('noResults', { q }))}</h1>
${hits.length ? `<ul class="hits">${items.join('\n')}</ul>` : ''}`
}
