// USB: mounted sticks, importing one of their folders as a drive, exporting a drive, and running jobs.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import type { Stick, UsbJob } from '../../services/publish/usb-sticks.js'
import { formatSize } from '../../services/config/size.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import { keptErrorText } from '../i18n/error-text.js'
import type { FileLine } from '../../services/publish/usb-file-line.js'

type T = AdminTranslator['t']

/** A job's line in the reader's words: the file's name as it is, and why. */
export interface FileLineView { name: string | null, text: string }

/** A job as the page shows it: its error and its file lines in the organiser's language. */
export interface UsbJobView extends Omit<UsbJob, 'failed'> { failed: FileLineView[] }

/**
 * A line of a job's list for `tr`'s reader. A plain string is a line as jobs.json gave it before lines had reasons
 * (one English sentence, the name inside): it is shown as it is.
 */
export function fileLineView (line: FileLine | string, tr: AdminTranslator): FileLineView {
  if (typeof line === 'string') return { name: null, text: line }
  return { name: line.name, text: keptErrorText(line.message, { ...line.values, reason: line.reason }, tr) }
}

/** The job for `tr`'s reader; jobs.json keeps the English `error` and the lines' messages for scripts. */
export function usbJobView (j: Omit<UsbJob, 'failed'> & { failed: Array<FileLine | string> }, tr: AdminTranslator): UsbJobView {
  return {
    ...j,
    error: j.error === undefined ? undefined : keptErrorText(j.error, j.errorDetails, tr),
    failed: j.failed.map(l => fileLineView(l, tr))
  }
}

function jobState (t: T, j: UsbJobView): Html {
  if (j.state === 'running') return html`${t('copying')}`
  if (j.state === 'failed') return html`<strong>${t('failed')}</strong>: ${j.error}`
  if (j.kind === 'import') return html`${t('done')}`
  // Said only once the stick's file system was flushed: before that, pulling it out loses data.
  return j.synced ? html`<strong>${t('safeToRemove')}</strong>` : html`${t('done')}. ${t('notFlushed')}`
}

export function usbBody (t: T, o: { sticks: Array<Stick & { folders: string[] }>, drives: Array<{ key: string, title: string }>, jobs: UsbJobView[], drive: string, csrf: string }): Html {
  return html`<h1>${t('usbTitle')}</h1>
${o.jobs.length ? html`<section${o.jobs.some(j => j.state === 'running') ? html` data-refresh` : ''}><h2>${t('copies')}</h2><table><tr><th>${t('what')}</th><th>${t('progress')}</th></tr>
${o.jobs.slice().reverse().map(j => html`<tr><td>${j.kind === 'import' ? t('import') : t('export')} ${j.what}
${j.driveKey ? html` <a href="/admin/drives/${j.driveKey}">${t('openDrive')}</a>` : ''}</td>
<td>${jobState(t, j)} — ${t('filesDone', { done: j.done, files: j.files })}, ${formatSize(j.bytes)}
${j.failed.length ? html`<details><summary>${t('skipped', { n: j.failed.length })}</summary><ul>${j.failed.slice(0, 50).map(f => html`<li>${f.name === null ? '' : html`<bdi>${f.name}</bdi>: `}${f.text}</li>`)}</ul></details>` : ''}</td></tr>`)}
</table><p class="note"><a href="/admin/usb">${t('refresh')}</a></p></section>` : ''}
${o.sticks.length === 0 ? html`<section><p>${t('noStick')} <a href="/admin/usb">${t('reload')}</a></p></section>` : ''}
${o.sticks.map(s => html`<section><h2>${s.name}</h2><p class="note">${s.path}</p>
<h3>${t('importTitle')}</h3>
<form method="post" action="/admin/usb/import">${csrfField(o.csrf)}<input type="hidden" name="stick" value="${s.id}">
<label>${t('folder')}<br><select name="folder">${s.folders.map(f => html`<option>${f}</option>`)}</select></label>
<label>${t('importTitleLabel')}<br><input type="text" name="title" maxlength="120"></label>
<label>${t('description')}<br><textarea name="description" rows="2" maxlength="1000"></textarea></label>
<p><button>${t('import')}</button></p></form>
<h3>${t('exportTitle')}</h3>
${o.drives.length ? html`<form method="post" action="/admin/usb/export">${csrfField(o.csrf)}<input type="hidden" name="stick" value="${s.id}">
<label>${t('drive')}<br><select name="drive">${o.drives.map(d => html`<option value="${d.key}"${d.key === o.drive ? html` selected` : ''}>${d.title || d.key.slice(0, 12)}</option>`)}</select></label>
<label>${t('exportFolderLabel')}<br><input type="text" name="folder" maxlength="100"></label>
<p><button>${t('export')}</button></p></form>` : html`<p class="note">${t('noDriveToExport')}</p>`}</section>`)}`
}
