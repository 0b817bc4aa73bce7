// One own drive, one folder at a time: its sub-folders (open, delete), its files (rename, delete), the upload
// form (files or a whole folder, into the folder shown), and the drive's title.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import { formatSize } from '../../services/config/size.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import { fieldError, invalid, isForm, typed, type FormState } from './form-state.js'

type T = AdminTranslator['t']

export interface DrivePageData {
  key: string
  title: string
  description: string
  writable: boolean
  why?: string
  /** The folder shown: '' for the top, else '/a/b'. */
  dir: string
  files: Array<{ path: string, bytes: number }>
  more: boolean
}

interface Folder { path: string, name: string, files: number, bytes: number }

/** The folder's own files and its sub-folders (with what they hold), from the drive's flat file list. */
export function inFolder (all: DrivePageData['files'], dir: string): { folders: Folder[], files: DrivePageData['files'] } {
  const prefix = dir + '/'
  const folders = new Map<string, Folder>()
  const files: DrivePageData['files'] = []
  for (const f of all) {
    if (!f.path.startsWith(prefix)) continue
    const rest = f.path.slice(prefix.length)
    const slash = rest.indexOf('/')
    if (slash === -1) { files.push(f); continue }
    const name = rest.slice(0, slash)
    const folder = folders.get(name) ?? { path: prefix + name, name, files: 0, bytes: 0 }
    folder.files++
    folder.bytes += f.bytes
    folders.set(name, folder)
  }
  return { folders: [...folders.values()].sort((a, b) => a.name.localeCompare(b.name)), files }
}

export function driveBody (t: T, d: DrivePageData, csrf: string, f?: FormState): Html {
  const here = (dir: string) => `/admin/drives/${d.key}${dir ? `?dir=${encodeURIComponent(dir)}` : ''}`
  const { folders, files } = inFolder(d.files, d.dir)
  const crumbs = d.dir.split('/').slice(1)
  return html`<h1>${d.title || t('untitled')}</h1>
<p class="key">${d.key}</p>
${d.writable ? html`<section><h2>${t('upload')}</h2>
<form method="post" action="/admin/drives/${d.key}/upload" enctype="multipart/form-data" data-upload
 data-sent="${t('jsSent')}" data-done="${t('jsDone')}" data-failed="${t('jsFailed')}" data-lost="${t('jsLost')}" data-starting="${t('jsStarting')}" data-still="${t('jsStillRunning')}">${csrfField(csrf)}
<label>${t('intoFolder')}<br><input type="text" name="dir" placeholder="/" size="30" value="${d.dir}"></label>
<label>${t('filesLabel')}<br><input type="file" name="files" multiple></label>
<label>${t('wholeFolder')}<br><input type="file" name="folder" multiple webkitdirectory></label>
<p><button>${t('upload')}</button></p>
<progress hidden value="0" max="1"></progress><p data-status aria-live="polite" class="note"></p>
</form></section>
<section><h2>${t('titleAndDescription')}</h2>
<form method="post" action="/admin/drives/${d.key}/info">${csrfField(csrf)}
<label>${t('title')}<br><input type="text" name="title" value="${typed(f, 'info', 'title', d.title)}" required maxlength="120"${invalid(f, 'info', 'title')}></label>${fieldError(f, 'info', 'title')}
<label>${t('description')}<br><textarea name="description" rows="2" maxlength="1000">${typed(f, 'info', 'description', d.description)}</textarea></label>
<p><button>${t('save')}</button></p></form></section>` : html`<section><p class="note">${d.why ?? ''}</p></section>`}
<section><h2>${t('filesCount', { n: `${d.files.length}${d.more ? '+' : ''}` })}</h2>
<nav aria-label="${t('folder')}" class="crumbs"><a href="${here('')}">${d.title || t('untitled')}</a>${crumbs.map((c, i) => html` / <a href="${here('/' + crumbs.slice(0, i + 1).join('/'))}">${c}</a>`)}</nav>
${folders.length || files.length ? html`<table><tr><th>${t('name')}</th><th class="num">${t('size')}</th></tr>
${folders.map(x => html`<tr><td><a href="${here(x.path)}">📁 ${x.name}/</a> <span class="note">${t('filesCount', { n: x.files })}</span>
${d.writable ? html`<form method="post" action="/admin/drives/${d.key}/delete-folder" class="inline" data-confirm="${t('deleteFolderConfirm', { name: x.path, n: x.files })}">${csrfField(csrf)}<input type="hidden" name="path" value="${x.path}"><input type="hidden" name="dir" value="${d.dir}"><button class="danger">${t('deleteFolder')}</button></form>` : ''}</td>
<td class="num">${formatSize(x.bytes)}</td></tr>`)}
${files.map(file => fileRow(t, d, file, csrf, f))}
</table>` : html`<p class="note">${t('noFilesYet')}</p>`}
${d.more ? html`<p class="note">${t('onlyFirstFiles', { n: d.files.length })}</p>` : ''}</section>
<p><a href="/admin/usb?drive=${d.key}">${t('exportToUsb')}</a></p>`
}

function fileRow (t: T, d: DrivePageData, file: { path: string, bytes: number }, csrf: string, f?: FormState): Html {
  const form = `rename:${file.path}`
  return html`<tr><td><a href="/d/${d.key}${encodePath(file.path)}">${file.path.slice(d.dir.length + 1)}</a>
${d.writable ? html`<details${isForm(f, form) ? html` open` : ''}><summary>${t('renameOrDelete')}</summary>
<form method="post" action="/admin/drives/${d.key}/rename">${csrfField(csrf)}<input type="hidden" name="from" value="${file.path}">
<label>${t('newName')}<br><input type="text" name="to" value="${typed(f, form, 'to', file.path)}"${invalid(f, form, 'to')}></label>${fieldError(f, form, 'to')} <button class="quiet">${t('rename')}</button></form>
<form method="post" action="/admin/drives/${d.key}/delete" data-confirm="${t('deleteConfirm', { name: file.path })}">${csrfField(csrf)}<input type="hidden" name="path" value="${file.path}"><p><button class="danger">${t('delete')}</button></p></form>
</details>` : ''}</td><td class="num">${formatSize(file.bytes)}</td></tr>`
}

function encodePath (p: string): string {
  return p.split('/').map(encodeURIComponent).join('/')
}
