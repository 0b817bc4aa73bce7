// The first page: every drive on the LAN as a card with its sun of seeders, how much is here, and what to do
// with it. In venue mode it ends with a QR code of the node's IP-literal address to pass around.
import type { Translator } from '../i18n/language.js'
import { esc } from '../html/escape.js'
import { formatSize } from '../../services/config/size.js'
import { sunSvg } from './seed-sun.js'
import type { LanDrive } from './lan-drives.js'

export function seedersLabel (tr: Translator, n: number): string {
  return n === 1 ? tr.t('seeders1') : tr.t('seeders', { n })
}

function stateText (tr: Translator, d: LanDrive): string {
  if (!d.held) return tr.t('waiting')
  if (d.complete) return tr.t('complete')
  return tr.t('copying', { pct: Math.floor(100 * d.local / Math.max(1, d.bytes)) })
}

function card (tr: Translator, d: LanDrive): string {
  const label = seedersLabel(tr, d.seeders)
  const id = `d-${d.key.slice(0, 12)}`
  // A drive only nearby nodes hold opens too: this node fetches what the visitor reads (services/node/open-drive.ts).
  const acts = `<div class="acts"><a class="btn" href="/drive/${d.key}/">${esc(tr.t('browse'))}<span class="vh">: ${esc(d.title)}</span></a>${d.held && d.site ? `<a class="btn alt" href="/site/${d.key}/">${esc(tr.t('openSite'))}<span class="vh">: ${esc(d.title)}</span></a>` : ''}</div>`
  const pct = d.bytes > 0 ? d.local / d.bytes : (d.complete ? 1 : 0)
  return `<li class="card" data-key="${d.key}" data-one="${esc(tr.t('seeders1'))}" data-many="${esc(tr.t('seeders'))}" data-complete="${esc(tr.t('complete'))}" data-copying="${esc(tr.t('copying'))}" aria-labelledby="${id}">
${sunSvg(d.seeders, label, d.holders)}<div><h3 id="${id}">${esc(d.title)}</h3><p class="facts">${esc(tr.t('files', { n: d.files }))} · <bdi>${formatSize(d.bytes)}</bdi></p></div>
${d.description ? `<p class="desc">${esc(d.description)}</p>` : ''}<div class="facts"><p class="seeders">${esc(label)}</p>${d.held ? `<meter min="0" max="1" value="${pct.toFixed(3)}" aria-label="${esc(stateText(tr, d))}"></meter>` : ''}<p class="state">${esc(stateText(tr, d))}</p></div>${acts}</li>`
}

export function homePage (tr: Translator, drives: LanDrive[], opts: { contentOrigin: string, share?: { url: string, qr: string } }): string {
  const held = drives.filter(d => d.held)
  const offered = drives.filter(d => !d.held)
  const share = opts.share
    ? `<section class="panel" aria-labelledby="share"><h2 id="share">${esc(tr.t('share'))}</h2><p class="addr">${esc(opts.share.url)}</p><div class="qr">${opts.share.qr}</div><p class="note">${esc(tr.t('shareText', { url: opts.share.url }))}</p></section>`
    : ''
  return `<p class="lead">${esc(tr.t('tagline'))}</p>
<h2 id="here">${esc(tr.t('drives'))}</h2>
${held.length ? `<ul class="cards" aria-labelledby="here">${held.map(d => card(tr, d)).join('\n')}</ul>` : `<p>${esc(tr.t('noDrives'))}</p>`}
${offered.length ? `<h2 id="near">${esc(tr.t('offered'))}</h2><ul class="cards" aria-labelledby="near">${offered.map(d => card(tr, d)).join('\n')}</ul>` : ''}
${share}`
}
