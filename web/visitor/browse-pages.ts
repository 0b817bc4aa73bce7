// A drive's folders and file pages: breadcrumbs, a list with small thumbnails, and inline previews.
import type { Translator } from '../i18n/language.js'
import { esc, pathUrl } from '../html/escape.js'
import { formatSize } from '../../services/config/size.js'
import { fileKind, thumbnailable, KIND_ICON } from '../../services/media/file-kind.js'
import { MAX_ITEMS, type FolderItem } from '../../services/storage/drive-folder.js'

export interface DriveRef { key: string, title: string }

function crumbs (tr: Translator, d: DriveRef, path: string): string {
  const parts = path.split('/').filter(Boolean)
  const links = [`<a href="/">${esc(tr.t('home'))}</a>`, `<a href="/drive/${d.key}/">${esc(d.title)}</a>`]
  let acc = ''
  parts.forEach((p, i) => {
    acc += '/' + p
    links.push(i === parts.length - 1 ? `<span aria-current="page">${esc(p)}</span>` : `<a href="/drive/${d.key}${pathUrl(acc)}/">${esc(p)}</a>`)
  })
  return `<nav class="crumbs" aria-label="breadcrumb">${links.join(' / ')}</nav>`
}

export function folderPage (tr: Translator, d: DriveRef, folder: string, items: FolderItem[], truncated: boolean): string {
  const name = folder === '/' ? d.title : folder.split('/').pop()!
  const rows = items.map(it => {
    const href = `/drive/${d.key}${pathUrl(it.path)}${it.folder ? '/' : ''}`
    const kind = it.folder ? 'folder' : fileKind(it.name)
    const icon = !it.folder && thumbnailable(it.name)
      ? `<span class="icon"><img src="/thumb/${d.key}${pathUrl(it.path)}" alt="" width="48" height="48" loading="lazy"></span>`
      : `<span class="icon" aria-hidden="true">${KIND_ICON[kind]}</span>`
    return `<li><a href="${href}">${icon}<span class="name">${esc(it.name)}${it.folder ? '/' : ''}</span>${it.folder ? '' : `<span class="size"><bdi>${formatSize(it.size)}</bdi></span>`}</a></li>`
  })
  const up = folder === '/' ? '' : `<p><a href="/drive/${d.key}${pathUrl(folder.split('/').slice(0, -1).join('/'))}/">↑ ${esc(tr.t('up'))}</a></p>`
  return `${crumbs(tr, d, folder)}<h1>${esc(name)}</h1>${up}
${items.length ? `<ul class="list">${rows.join('\n')}</ul>` : `<p>${esc(tr.t('emptyFolder'))}</p>`}
${truncated ? `<p class="note">${esc(tr.t('tooMany', { n: MAX_ITEMS }))}</p>` : ''}`
}

export interface FilePreview {
  /** Rendered text or Markdown (already safe HTML), when the file is text. */
  html?: string
  truncated?: boolean
  missing?: boolean
}

export function filePage (tr: Translator, d: DriveRef, path: string, size: number, preview: FilePreview, contentOrigin: string): string {
  const name = path.split('/').pop()!
  const src = `/d/${d.key}${pathUrl(path)}`
  const site = `${contentOrigin}/${d.key}${pathUrl(path)}`
  const kind = fileKind(name)
  let body = ''
  switch (kind) {
    case 'image':
      body = thumbnailable(name)
        ? `<a href="${src}"><img src="/thumb/${d.key}${pathUrl(path)}?size=large" alt="${esc(name)}"></a>`
        : `<img src="${src}" alt="${esc(name)}">`
      break
    case 'video':
    case 'audio':
      // A format the phone cannot decode (an AVI with MPEG-4 part 2, say) fails only once the browser tries:
      // the page script then shows this note; it is visible by itself where no player exists at all.
      body = `<${kind} controls${kind === 'video' ? ' playsinline' : ''} preload="metadata" src="${src}"><p class="note">${esc(tr.t('cannotPlay'))}</p></${kind}>` +
        `<p class="note cannot-play" role="status" hidden>${esc(tr.t('cannotPlay'))}</p>`
      break
    case 'pdf':
      body = `<iframe src="${esc(site)}" title="${esc(name)}"></iframe><p><a href="${esc(site)}">${esc(tr.t('openPdf'))}</a></p>`
      break
    case 'html':
      body = `<p><a class="btn alt" href="${esc(site)}">${esc(tr.t('openSite'))}</a></p>`
      break
    case 'markdown':
    case 'text':
      if (preview.missing) body = `<p class="note">${esc(tr.t('notHere'))}</p>`
      else body = (kind === 'markdown' ? `<div class="text">${preview.html ?? ''}</div>` : `<pre class="text">${preview.html ?? ''}</pre>`) +
        (preview.truncated ? `<p class="note">${esc(tr.t('truncated'))}</p>` : '')
      break
    default:
      body = `<p class="note">${esc(tr.t('noPreview'))}</p>`
  }
  return `${crumbs(tr, d, path)}<h1>${esc(name)}</h1>
<p class="facts">${esc(tr.t('sizeLabel'))}: <bdi>${formatSize(size)}</bdi></p>
<div class="preview">${body}</div>
<p class="acts"><a class="btn" href="${src}?download" download="${esc(name)}">⬇ ${esc(tr.t('download'))}<span class="vh">: ${esc(name)}</span></a></p>`
}

export function notFoundPage (tr: Translator): string {
  return `<h1>${esc(tr.t('notFound'))}</h1><p>${esc(tr.t('notFoundText'))}</p><p><a href="/">${esc(tr.t('home'))}</a></p>`
}
