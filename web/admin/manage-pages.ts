// The overview: node figures, drives (own and mirrored) with their actions, follow, caps, peers.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import type { NodeStatus, DriveStatus } from '../../services/node/node-status.js'
import { formatSize } from '../../services/config/size.js'

export function overviewBody (s: NodeStatus, csrf: string, blocked: string[]): Html {
  const own = s.drives.filter(d => d.own)
  const mirrored = s.drives.filter(d => !d.own)
  const disk = s.disk
  return html`<h1>Overview</h1>
<section aria-label="Node"><table>
<tr><th>Node</th><td>${s.node.name} <span class="key">${s.node.key}</span></td></tr>
<tr><th>Version</th><td>${s.node.version} (protocol ${s.node.protocol})</td></tr>
<tr><th>Up for</th><td>${duration(s.node.uptime)}</td></tr>
<tr><th>Disk</th><td>${formatSize(disk.used)} of ${formatSize(disk.cap)} cap used${disk.free !== null ? html`; ${formatSize(disk.free)} free on the card` : ''}${disk.full ? html`<p class="error" data-disk-full><strong>Disk full:</strong> the card has almost no free space left, so nothing new is mirrored. Delete files or drives; mirroring resumes by itself.</p>` : ''}</td></tr>
<tr><th>Peers</th><td data-peers>${s.peers.length} connected</td></tr>
</table></section>

<h2>Your drives</h2>
<section>${own.length ? html`<table><tr><th>Title</th><th class="num">Files</th><th class="num">Size</th><th></th></tr>
${own.map(d => html`<tr><td><a href="/admin/drives/${d.key}">${d.title || '(untitled)'}</a><div class="key">${d.key}</div></td>
<td class="num">${d.files}${d.importing ? html` (importing ${d.importing.done} of ${d.importing.files})` : ''}</td><td class="num">${formatSize(d.bytes)}</td><td><a href="/admin/drives/${d.key}">Upload / edit</a></td></tr>`)}</table>` : html`<p class="note">None yet.</p>`}
<h3>New drive</h3>
<form method="post" action="/admin/drives">${csrfField(csrf)}
<label>Title<br><input type="text" name="title" required maxlength="120"></label>
<label>Description<br><textarea name="description" rows="2" maxlength="1000"></textarea></label>
<p><button>Create drive</button></p></form></section>

<h2>Mirrored drives</h2>
<section>${mirrored.length ? html`<table><tr><th>Title</th><th>Synced</th><th class="num opt">Seeders</th><th>Actions</th></tr>
${mirrored.map(d => mirrorRow(d, csrf))}</table>` : html`<p class="note">None yet: drives other nodes offer appear here as they are mirrored.</p>`}
<h3>Follow a drive by key</h3>
<form method="post" action="/admin/follow" class="row">${csrfField(csrf)}
<label>Drive key<br><input type="text" name="key" required placeholder="52 letters and digits, or 64 hex digits"></label>
<button>Follow</button></form></section>

${s.available.length ? html`<h2>Offered by peers, not here</h2><section><table><tr><th>Title</th><th class="num">Size</th><th>Why not</th></tr>
${s.available.map(a => html`<tr><td>${a.title || '(untitled)'}<div class="key">${a.key}</div></td><td class="num">${formatSize(a.bytes)}</td><td>${reason(a.reason)}</td></tr>`)}</table></section>` : ''}

${blocked.length ? html`<h2>Blocked drives</h2><section><table>
${blocked.map(k => html`<tr><td class="key">${k}</td><td><form method="post" action="/admin/unblock" class="inline">${csrfField(csrf)}<input type="hidden" name="key" value="${k}"><button class="quiet">Unblock</button></form></td></tr>`)}</table></section>` : ''}

<h2>Caps</h2>
<section><form method="post" action="/admin/caps" class="row">${csrfField(csrf)}
<label>Largest drive to mirror<br><input type="text" name="maxDrive" value="${sizeText(disk.perDriveCap)}" required></label>
<label>All drives together<br><input type="text" name="maxTotal" value="${sizeText(disk.cap)}" required></label>
<button>Save caps</button></form>
<p class="note">Sizes such as 500M, 4G or 16G. Lowering a cap removes the least recently used mirrored drives (never pinned or your own).</p></section>

<h2>Peers</h2>
<section>${s.peers.length ? html`<table><tr><th>Name</th><th>Address</th><th class="num">Drives</th><th class="opt">Since</th></tr>
${s.peers.map(p => html`<tr><td>${p.name || '(unnamed)'}<div class="key">${p.key}</div></td><td>${p.address} (${p.via})</td><td class="num">${p.drives}</td><td class="opt">${new Date(p.since).toISOString().slice(11, 19)} UTC</td></tr>`)}</table>` : html`<p class="note">No other node found yet.</p>`}</section>

${s.evictions.length ? html`<h2>Recently removed to make room</h2><section><ul>${s.evictions.map(e => html`<li>${e.title} (${reason(e.reason)})</li>`)}</ul></section>` : ''}`
}

function mirrorRow (d: DriveStatus, csrf: string): Html {
  const pct = d.bytes ? Math.min(100, Math.floor(d.localBytes * 100 / d.bytes)) : (d.complete ? 100 : 0)
  return html`<tr><td>${d.title || '(untitled)'}<div class="key">${d.key}</div>
${d.pinned ? html`<span class="note">pinned</span> ` : ''}${d.followed ? html`<span class="note">followed</span>` : ''}</td>
<td data-sync="${d.key}"><meter min="0" max="100" value="${pct}" aria-label="synced"></meter>
<span>${pct}% of ${formatSize(d.bytes)}</span></td><td class="num opt">${d.peers}</td>
<td><form method="post" action="/admin/drives/${d.key}/${d.pinned ? 'unpin' : 'pin'}" class="inline">${csrfField(csrf)}<button class="quiet">${d.pinned ? 'Unpin' : 'Pin'}</button></form>
<a href="/admin/drives/${d.key}/block">Block…</a> <a href="/admin/usb?drive=${d.key}">Export</a></td></tr>`
}

export function blockConfirmBody (d: { key: string, title: string }, csrf: string): Html {
  return html`<h1>Block “${d.title || '(untitled)'}”?</h1>
<section><p>Its files are deleted from this node, and it will not be mirrored again, even if peers offer it, until you unblock it.</p>
<p class="key">${d.key}</p>
<form method="post" action="/admin/drives/${d.key}/block">${csrfField(csrf)}<input type="hidden" name="confirm" value="yes">
<button class="danger">Block and delete</button> <a href="/admin">Cancel</a></form></section>`
}

function reason (r: string): string {
  return ({
    'too-large': 'larger than the per-drive cap', 'no-space': 'no room within the disk cap or on the card', blocked: 'blocked here',
    denied: 'denied in the configuration', 'not-followed': 'this node mirrors followed drives only', 'cooling-down': 'removed recently',
    pending: 'waiting', 'probe-limit': 'waiting to look at it', 'no-metadata': 'no peer sent its metadata'
  } as Record<string, string>)[r] ?? r
}

export function sizeText (bytes: number): string {
  for (const [u, n] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes % n === 0) return `${bytes / n}${u}`
  }
  return String(bytes)
}

function duration (s: number): string {
  const d = Math.floor(s / 86400)
  const h = Math.floor(s % 86400 / 3600)
  const m = Math.floor(s % 3600 / 60)
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${s % 60} s`
}
