// USB: mounted sticks, importing one of their folders as a drive, exporting a drive, and running jobs.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import type { Stick, UsbJob } from '../../services/publish/usb-sticks.js'
import { formatSize } from '../../services/config/size.js'

export function usbBody (o: { sticks: Array<Stick & { folders: string[] }>, drives: Array<{ key: string, title: string }>, jobs: UsbJob[], drive: string, csrf: string }): Html {
  return html`<h1>USB sticks</h1>
${o.jobs.length ? html`<section${o.jobs.some(j => j.state === 'running') ? html` data-refresh` : ''}><h2>Copies</h2><table><tr><th>What</th><th>Progress</th></tr>
${o.jobs.slice().reverse().map(j => html`<tr><td>${j.kind === 'import' ? 'Import' : 'Export'} ${j.what}
${j.driveKey ? html` <a href="/admin/drives/${j.driveKey}">open drive</a>` : ''}</td>
<td>${j.state === 'running' ? 'copying' : j.state === 'done' ? 'done' : html`<strong>failed</strong>: ${j.error}`} — ${j.done}/${j.files} files, ${formatSize(j.bytes)}
${j.failed.length ? html`<details><summary>${j.failed.length} file(s) skipped</summary><ul>${j.failed.slice(0, 50).map(f => html`<li>${f}</li>`)}</ul></details>` : ''}</td></tr>`)}
</table><p class="note"><a href="/admin/usb">Refresh</a></p></section>` : ''}
${o.sticks.length === 0 ? html`<section><p>No USB stick is mounted. Plug one in, wait a few seconds, then <a href="/admin/usb">reload</a>.</p></section>` : ''}
${o.sticks.map(s => html`<section><h2>${s.name}</h2><p class="note">${s.path}</p>
<h3>Import a folder as a new drive</h3>
<form method="post" action="/admin/usb/import">${csrfField(o.csrf)}<input type="hidden" name="stick" value="${s.id}">
<label>Folder<br><select name="folder">${s.folders.map(f => html`<option>${f}</option>`)}</select></label>
<label>Title (empty: the folder's name)<br><input type="text" name="title" maxlength="120"></label>
<label>Description<br><textarea name="description" rows="2" maxlength="1000"></textarea></label>
<p><button>Import</button></p></form>
<h3>Export a drive to this stick</h3>
${o.drives.length ? html`<form method="post" action="/admin/usb/export">${csrfField(o.csrf)}<input type="hidden" name="stick" value="${s.id}">
<label>Drive<br><select name="drive">${o.drives.map(d => html`<option value="${d.key}"${d.key === o.drive ? html` selected` : ''}>${d.title || d.key.slice(0, 12)}</option>`)}</select></label>
<label>New folder on the stick (empty: the drive's title)<br><input type="text" name="folder" maxlength="100"></label>
<p><button>Export</button></p></form>` : html`<p class="note">No drive to export yet.</p>`}</section>`)}`
}
