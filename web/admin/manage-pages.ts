// The overview: node figures, drives (own and mirrored) with their actions, follow, caps, peers.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import type { NodeStatus, DriveStatus } from '../../services/node/node-status.js'
import { formatSize } from '../../services/config/size.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import type { AdminKey } from '../i18n/admin-strings.js'
import { fieldError, invalid, typed, type FormState } from './form-state.js'
import { regionSection } from './region-section.js'
import type { DriveHealth } from '../../services/node/region-health.js'

type T = AdminTranslator['t']

export interface OverviewExtras {
  blocked: Array<{ key: string, title: string }>
  form?: FormState
  /** Every drive of the region with its copies, worst first (region-health.ts). */
  region?: DriveHealth[]
}

export function overviewBody (t: T, s: NodeStatus, csrf: string, x: OverviewExtras): Html {
  const own = s.drives.filter(d => d.own)
  const mirrored = s.drives.filter(d => !d.own)
  const held = new Set(s.drives.map(d => d.key))
  const disk = s.disk
  const f = x.form
  // A drive removed to make room, or refused, can be asked back; blocked and denied ones are a choice already made.
  const again = (key: string, help: string) => html`<form method="post" action="/admin/drives/${key}/mirror-again" class="inline">${csrfField(csrf)}<button class="quiet" aria-describedby="${help}">${t('mirrorAgain')}</button></form>`
  const evicted = s.evictions.filter(e => !held.has(e.key))
  const canAsk = (reason: string) => reason !== 'blocked' && reason !== 'denied'
  return html`<h1>${t('overview')}</h1>
<section aria-label="${t('node')}"><table>
<tr><th>${t('node')}</th><td>${s.node.name} <span class="key">${s.node.key}</span></td></tr>
<tr><th>${t('version')}</th><td>${s.node.version} (${t('protocol')} ${s.node.protocol})</td></tr>
<tr><th>${t('upFor')}</th><td>${duration(t, s.node.uptime)}</td></tr>
<tr><th>${t('disk')}</th><td>${t('diskUsed', { used: formatSize(disk.used), cap: formatSize(disk.cap) })}${disk.free !== null ? html`; ${t('diskFree', { free: formatSize(disk.free) })}` : ''}${disk.full ? html`<p class="error" data-disk-full><strong>${t('diskFull')}</strong></p>` : ''}</td></tr>
<tr><th>${t('peers')}</th><td data-peers data-words="${t('connected')}">${t('connected', { n: s.peers.length })}</td></tr>
</table></section>
${x.region ? regionSection(t, s.region, x.region) : ''}
<h2>${t('yourDrives')}</h2>
<section>${own.length ? html`<table><tr><th>${t('title')}</th><th class="num">${t('files')}</th><th class="num">${t('size')}</th><th></th></tr>
${own.map(d => html`<tr><td><a href="/admin/drives/${d.key}">${d.title || t('untitled')}</a><div class="key">${d.key}</div></td>
<td class="num">${d.files}${d.importing ? html` (${t('importing', { done: d.importing.done, files: d.importing.files })})` : ''}</td><td class="num">${formatSize(d.bytes)}</td><td><a href="/admin/drives/${d.key}">${t('uploadEdit')}</a></td></tr>`)}</table>` : html`<p class="note">${t('noneYet')}</p>`}
<h3>${t('newDrive')}</h3>
<form method="post" action="/admin/drives">${csrfField(csrf)}
<label>${t('title')}<br><input type="text" name="title" required maxlength="120" value="${typed(f, 'create', 'title')}"${invalid(f, 'create', 'title')}></label>${fieldError(f, 'create', 'title')}
<label>${t('description')}<br><textarea name="description" rows="2" maxlength="1000">${typed(f, 'create', 'description')}</textarea></label>
<p><button>${t('createDrive')}</button></p></form></section>

<h2>${t('mirroredDrives')}</h2>
<section>${mirrored.length ? html`<table><tr><th>${t('title')}</th><th>${t('synced')}</th><th class="num opt">${t('seeders')}</th><th>${t('actions')}</th></tr>
${mirrored.map(d => mirrorRow(t, d, csrf))}</table>` : html`<p class="note">${t('noMirrors')}</p>`}
<h3>${t('followTitle')}</h3>
<form method="post" action="/admin/follow" class="row">${csrfField(csrf)}
<label>${t('driveKey')}<br><input type="text" name="key" required placeholder="${t('keyPlaceholder')}" value="${typed(f, 'follow', 'key')}"${invalid(f, 'follow', 'key')}>${fieldError(f, 'follow', 'key')}</label>
<button>${t('follow')}</button></form></section>

${s.available.length ? html`<h2>${t('offeredNotHere')}</h2><section><table><tr><th>${t('title')}</th><th class="num">${t('size')}</th><th>${t('whyNot')}</th></tr>
${s.available.map(a => html`<tr><td>${a.title || t('untitled')}<div class="key">${a.key}</div></td><td class="num">${formatSize(a.bytes)}</td><td>${reason(t, a.reason)}${canAsk(a.reason) && a.reason !== 'pending' ? html` ${again(a.key, 'again-help-offered')}` : ''}</td></tr>`)}</table>
${s.available.some(a => canAsk(a.reason) && a.reason !== 'pending') ? html`<p class="note" id="again-help-offered">${t('mirrorAgainHelp')}</p>` : ''}</section>` : ''}

${x.blocked.length ? html`<h2>${t('blockedDrives')}</h2><section><table>
${x.blocked.map(b => html`<tr><td>${b.title || t('untitled')}<div class="key">${b.key}</div></td><td><form method="post" action="/admin/unblock" class="inline">${csrfField(csrf)}<input type="hidden" name="key" value="${b.key}"><button class="quiet">${t('unblock')}</button></form></td></tr>`)}</table></section>` : ''}

<h2>${t('caps')}</h2>
<section><form method="post" action="/admin/caps" class="row">${csrfField(csrf)}
<label>${t('maxDrive')}<br><input type="text" name="maxDrive" value="${typed(f, 'caps', 'maxDrive', sizeText(disk.perDriveCap))}" required${invalid(f, 'caps', 'maxDrive')}>${fieldError(f, 'caps', 'maxDrive')}</label>
<label>${t('maxTotal')}<br><input type="text" name="maxTotal" value="${typed(f, 'caps', 'maxTotal', sizeText(disk.cap))}" required${invalid(f, 'caps', 'maxTotal')}>${fieldError(f, 'caps', 'maxTotal')}</label>
<button>${t('saveCaps')}</button></form>
<p class="note">${t('capsHelp')}</p></section>

<h2>${t('peers')}</h2>
<section>${s.peers.length ? html`<table><tr><th>${t('name')}</th><th>${t('address')}</th><th class="num">${t('drives')}</th><th class="opt">${t('since')}</th></tr>
${s.peers.map(p => html`<tr><td>${p.name || t('unnamed')}<div class="key">${p.key}</div></td><td>${p.address} (${p.via === 'internet' ? t('viaInternet') : t('viaLan')})</td><td class="num">${p.drives}</td><td class="opt">${new Date(p.since).toISOString().slice(11, 19)} UTC</td></tr>`)}</table>` : html`<p class="note">${t('noPeers')}</p>`}</section>

${s.evictions.length ? html`<h2>${t('recentlyRemoved')}</h2><section><ul>${s.evictions.map(e => html`<li>${e.title} (${reason(t, e.reason)})${evicted.includes(e) ? html` ${again(e.key, 'again-help-removed')}` : ''}</li>`)}</ul>
${evicted.length ? html`<p class="note" id="again-help-removed">${t('mirrorAgainHelp')}</p>` : ''}</section>` : ''}`
}

function mirrorRow (t: T, d: DriveStatus, csrf: string): Html {
  const pct = d.bytes ? Math.min(100, Math.floor(d.localBytes * 100 / d.bytes)) : (d.complete ? 100 : 0)
  return html`<tr><td><a href="/drive/${d.key}/">${d.title || t('untitled')}</a><div class="key">${d.key}</div>
${d.pinned ? html`<span class="note">${t('pinned')}</span> ` : ''}${d.followed ? html`<span class="note">${t('followed')}</span>` : ''}</td>
<td data-sync="${d.key}" data-words="${t('pctOf')}"><meter min="0" max="100" value="${pct}" aria-label="${t('synced')}"></meter>
<span>${t('pctOf', { pct, size: formatSize(d.bytes) })}</span></td><td class="num opt">${d.peers}</td>
<td><form method="post" action="/admin/drives/${d.key}/${d.pinned ? 'unpin' : 'pin'}" class="inline">${csrfField(csrf)}<button class="quiet">${d.pinned ? t('unpin') : t('pin')}</button></form>
${d.followed ? html`<form method="post" action="/admin/drives/${d.key}/unfollow" class="inline">${csrfField(csrf)}<button class="quiet">${t('unfollow')}</button></form>` : ''}
<a href="/admin/drives/${d.key}/block">${t('blockLink')}</a> <a href="/admin/usb?drive=${d.key}">${t('export')}</a></td></tr>`
}

export function blockConfirmBody (t: T, d: { key: string, title: string }, csrf: string): Html {
  return html`<h1>${t('blockTitle', { title: d.title || t('untitled') })}</h1>
<section><p>${t('blockText')}</p>
<p class="key">${d.key}</p>
<form method="post" action="/admin/drives/${d.key}/block">${csrfField(csrf)}<input type="hidden" name="confirm" value="yes">
<button class="danger">${t('blockButton')}</button> <a href="/admin">${t('cancel')}</a></form></section>`
}

/** Saving these caps would remove drives at once: say which, and save only when the organiser agrees. */
export function capsConfirmBody (t: T, caps: { maxDrive: string, maxTotal: string }, evict: Array<{ key: string, title: string, reason: string }>, csrf: string): Html {
  return html`<h1>${t('capsConfirmTitle', { n: evict.length })}</h1>
<section><p>${t('capsConfirmText', { maxDrive: caps.maxDrive, maxTotal: caps.maxTotal })}</p>
<ul>${evict.map(e => html`<li>${e.title || t('untitled')} (${reason(t, e.reason)})<div class="key">${e.key}</div></li>`)}</ul>
<form method="post" action="/admin/caps">${csrfField(csrf)}<input type="hidden" name="maxDrive" value="${caps.maxDrive}"><input type="hidden" name="maxTotal" value="${caps.maxTotal}"><input type="hidden" name="confirm" value="yes">
<button class="danger">${t('removeAndSave')}</button> <a href="/admin">${t('cancel')}</a></form>
<p class="note">${t('capsConfirmHelp')}</p></section>`
}

const REASONS: Record<string, AdminKey> = {
  'too-large': 'reasonTooLarge', 'no-space': 'reasonNoSpace', blocked: 'reasonBlocked', denied: 'reasonDenied',
  'not-followed': 'reasonNotFollowed', 'cooling-down': 'reasonCoolingDown', pending: 'reasonPending',
  'probe-limit': 'reasonProbeLimit', 'no-metadata': 'reasonNoMetadata'
}

function reason (t: T, r: string): string {
  const key = REASONS[r]
  return key ? t(key) : r
}

export function sizeText (bytes: number): string {
  for (const [u, n] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes % n === 0) return `${bytes / n}${u}`
  }
  return String(bytes)
}

function duration (t: T, s: number): string {
  const d = Math.floor(s / 86400)
  const h = Math.floor(s % 86400 / 3600)
  const m = Math.floor(s % 3600 / 60)
  return d ? t('uptimeDays', { d, h }) : h ? t('uptimeHours', { h, m }) : t('uptimeMinutes', { m, s: s % 60 })
}
