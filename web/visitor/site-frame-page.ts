// A drive website seen from the portal: a bar with the way back to the library, and the site in a frame from
// the content port. Nothing is injected into the site's own HTML (it is untrusted, and any script we added would
// run beside its scripts); instead the site runs on another origin (the content port), in an opaque origin (its
// CSP sandbox, and this frame's sandbox attribute), without allow-top-navigation: it can neither read this page
// nor navigate it away. "Open full screen" leaves the frame for the content port itself.
import type { Translator } from '../i18n/language.js'
import { esc, pathUrl } from '../html/escape.js'
import { SITE_CSP } from '../content/content-handler.js'

export const FRAME_SANDBOX = SITE_CSP.replace(/^sandbox /, '')

export function siteFramePage (tr: Translator, key: string, title: string, name: string, folder: boolean, contentOrigin: string): string {
  const src = `${contentOrigin}/${key}${pathUrl(name === '/' ? '' : name)}${folder ? '/' : ''}`
  const parent = folder ? name : name.slice(0, name.lastIndexOf('/'))
  const back = `/drive/${key}${pathUrl(parent === '/' ? '' : parent)}/`
  return `<nav class="sitebar" aria-label="${esc(title)}"><a class="btn alt" href="${back}"><span aria-hidden="true">${tr.dir === 'rtl' ? '→' : '←'}</span> ${esc(tr.t('backToLibrary'))}</a><a href="${esc(src)}">${esc(tr.t('fullScreen'))}</a></nav>
<iframe class="site" src="${esc(src)}" sandbox="${FRAME_SANDBOX}" title="${esc(title)}"></iframe>`
}
