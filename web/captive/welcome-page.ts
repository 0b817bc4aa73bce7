// The page a phone's captive mini-browser shows: a short welcome, "Continue" (a real form POST, after which
// the OS re-probes and sees it is "online"), and a launch pad to the real browser — the mini-browsers cannot
// download, play long videos or keep cookies — with the IP-literal address and a copy button. After "Continue"
// the page says what happens next and leads into the library. The QR code is for another phone, so it says so.
import type { Translator } from '../i18n/language.js'
import { esc } from '../html/escape.js'

export function welcomePage (tr: Translator, o: { name: string, url: string, qr: string, accepted: boolean }): string {
  const action = o.accepted
    ? `<p><strong>${esc(tr.t('connected'))}</strong></p>
<p><a class="btn" href="/">${esc(tr.t('openLibrary'))}</a></p>`
    : `<form method="post" action="/welcome"><button type="submit">${esc(tr.t('continue'))}</button></form>`
  return `<h1>${esc(tr.t('welcome', { name: o.name }))}</h1>
<p class="lead">${esc(tr.t('welcomeText'))}</p>
${action}
<section class="panel" aria-labelledby="open"><h2 id="open">${esc(tr.t('openBrowser'))}</h2>
<p class="addr" id="addr">${esc(o.url)}</p>
<p><button type="button" data-copy="${esc(o.url)}" data-done="${esc(tr.t('copied'))}" hidden>${esc(tr.t('copy'))}</button></p>
<div class="qr">${o.qr}</div><p class="note">${esc(tr.t('scan'))}</p></section>
<p><a href="/">${esc(tr.t('browseHere'))}</a></p>`
}
