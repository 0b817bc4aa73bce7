// One own drive: its files with rename and delete, the upload form (files or a whole folder), its title.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import { formatSize } from '../../services/config/size.js'

export interface DrivePageData {
  key: string
  title: string
  description: string
  writable: boolean
  why?: string
  files: Array<{ path: string, bytes: number }>
  more: boolean
}

export function driveBody (d: DrivePageData, csrf: string): Html {
  return html`<h1>${d.title || '(untitled)'}</h1>
<p class="key">${d.key}</p>
${d.writable ? html`<section><h2>Upload</h2>
<form method="post" action="/admin/drives/${d.key}/upload" enctype="multipart/form-data" data-upload>${csrfField(csrf)}
<label>Into folder (optional)<br><input type="text" name="dir" placeholder="/" size="30"></label>
<label>Files<br><input type="file" name="files" multiple></label>
<label>Or a whole folder<br><input type="file" name="folder" multiple webkitdirectory></label>
<p><button>Upload</button></p>
<progress hidden value="0" max="1"></progress><p data-status aria-live="polite" class="note"></p>
</form></section>
<section><h2>Title and description</h2>
<form method="post" action="/admin/drives/${d.key}/info">${csrfField(csrf)}
<label>Title<br><input type="text" name="title" value="${d.title}" required maxlength="120"></label>
<label>Description<br><textarea name="description" rows="2" maxlength="1000">${d.description}</textarea></label>
<p><button>Save</button></p></form></section>` : html`<section><p class="note">${d.why ?? ''}</p></section>`}
<section><h2>Files (${d.files.length}${d.more ? '+' : ''})</h2>
${d.files.length ? html`<table><tr><th>Name</th><th class="num">Size</th></tr>
${d.files.map(f => html`<tr><td><a href="/d/${d.key}${encodePath(f.path)}">${f.path}</a>
${d.writable ? html`<details><summary>Rename or delete</summary>
<form method="post" action="/admin/drives/${d.key}/rename">${csrfField(csrf)}<input type="hidden" name="from" value="${f.path}">
<label>New name<br><input type="text" name="to" value="${f.path}"></label> <button class="quiet">Rename</button></form>
<form method="post" action="/admin/drives/${d.key}/delete" data-confirm="Delete ${f.path}?">${csrfField(csrf)}<input type="hidden" name="path" value="${f.path}"><p><button class="danger">Delete</button></p></form>
</details>` : ''}</td><td class="num">${formatSize(f.bytes)}</td></tr>`)}
</table>` : html`<p class="note">No files yet.</p>`}
${d.more ? html`<p class="note">Only the first ${d.files.length} files are listed.</p>` : ''}</section>
<p><a href="/admin/usb?drive=${d.key}">Export this drive to a USB stick</a></p>`
}

function encodePath (p: string): string {
  return p.split('/').map(encodeURIComponent).join('/')
}
