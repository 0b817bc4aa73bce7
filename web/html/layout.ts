// The shell every visitor page shares: language and direction, skip link, header with search, the language
// switcher, and a Content-Security-Policy that allows nothing from outside the node.
import type { Translator } from '../i18n/language.js'
import { LANGUAGES, LANGUAGE_NAMES } from '../i18n/strings.js'
import { esc } from './escape.js'
import { ASSET_VERSION } from '../assets/asset-version.js'

export interface PageOptions {
  tr: Translator
  title: string
  body: string
  /** The node's name, shown in the header. */
  site: string
  /** The URL path of this page, so the language switcher comes back here. */
  here: string
  query?: string
  /** Origin of the untrusted-content port, allowed as a frame source (PDF previews). */
  contentOrigin?: string
  /** Pages shown in a captive mini-browser skip the header and search. */
  bare?: boolean
}

export function pageCsp (contentOrigin?: string): string {
  return [
    "default-src 'none'", "img-src 'self' data:", "media-src 'self'", "style-src 'self'", "script-src 'self'",
    "connect-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
    `frame-src ${contentOrigin ?? "'none'"}`
  ].join('; ')
}

export function layout (o: PageOptions): string {
  const { tr, title } = o
  const next = encodeURIComponent(o.here)
  const langs = LANGUAGES.map(l => l === tr.lang
    ? `<li><span aria-current="true" lang="${l}">${LANGUAGE_NAMES[l]}</span></li>`
    : `<li><a href="/lang/${l}?next=${next}" lang="${l}" hreflang="${l}">${LANGUAGE_NAMES[l]}</a></li>`).join('')
  const header = o.bare
    ? `<header class="top"><p class="site">${esc(o.site)}</p></header>`
    : `<header class="top"><a class="site" href="/">${esc(o.site)}</a>
<form class="find" role="search" action="/search" method="get"><label class="vh" for="q">${esc(tr.t('searchLabel'))}</label><input id="q" name="q" type="search" value="${esc(o.query ?? '')}" placeholder="${esc(tr.t('search'))}…" maxlength="200"><button type="submit">${esc(tr.t('search'))}</button></form></header>`
  return `<!doctype html>
<html lang="${tr.lang}" dir="${tr.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/portal.css?v=${ASSET_VERSION}"><script src="/assets/portal.js?v=${ASSET_VERSION}" defer></script></head>
<body><a class="skip" href="#main">${esc(tr.t('skip'))}</a>
${header}
<main id="main">${o.body}</main>
<footer><nav aria-label="${esc(tr.t('language'))}"><ul class="langs">${langs}</ul></nav></footer>
</body></html>`
}
