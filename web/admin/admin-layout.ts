// The admin page's shell: one column, works at 320 px, no JavaScript needed, in the organiser's language.
import { html, type Html } from './html.js'
import type { Flash } from './admin-sessions.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import { LANGUAGES, LANGUAGE_NAMES } from '../i18n/strings.js'

export interface PageOptions {
  title: string
  body: Html
  csrf?: string
  flash?: Flash | null
  /** Logged in: show the navigation and the logout button. */
  admin?: boolean
  nodeName?: string
  tr: AdminTranslator
  /** This page's path, so the language switcher comes back here. */
  here?: string
}

export function adminPage (o: PageOptions): string {
  const { t } = o.tr
  const next = encodeURIComponent(o.here?.startsWith('/admin') ? o.here : '/admin')
  return '<!doctype html>\n' + html`<html lang="${o.tr.lang}" dir="${o.tr.dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} · p2p-portal ${t('admin')}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/admin.css">
<script src="/admin/admin.js" defer></script>
</head><body>
<header class="top"><strong class="site">${o.nodeName ?? 'p2p-portal'} · ${t('admin')}</strong>
${o.admin ? html`<nav><a href="/admin">${t('navOverview')}</a><a href="/admin/wifi">${t('navWifi')}</a><a href="/admin/usb">${t('navUsb')}</a><a href="/admin/updates">${t('navUpdates')}</a><a href="/admin/password">${t('navPassword')}</a><a href="/">${t('navPortal')}</a></nav>
<form method="post" action="/admin/logout" class="logout">${csrfField(o.csrf ?? '')}<button class="quiet">${t('logout')}</button></form>` : ''}
</header>
<main>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : ''}
${o.body}
</main>
<footer><nav aria-label="${t('language')}"><ul class="langs">${LANGUAGES.map(l => l === o.tr.lang
    ? html`<li><span aria-current="true" lang="${l}">${LANGUAGE_NAMES[l]}</span></li>`
    : html`<li><a href="/lang/${l}?next=${next}" lang="${l}" hreflang="${l}">${LANGUAGE_NAMES[l]}</a></li>`)}</ul></nav></footer>
</body></html>`.text
}

/** A hidden CSRF field: first in every form, so multipart uploads carry it before any file. */
export function csrfField (csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`
}
