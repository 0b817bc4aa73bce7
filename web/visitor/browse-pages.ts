// A drive's folders and file pages: breadcrumbs, a list with small thumbnails, and inline previews.
import type { Translator } from '../i18n/language.js'
import { esc, pathUrl } from '../html/escape.js'
import { formatSize } from '../../services/config/size.js'
import { fileKind, thumbnailable, KIND_ICON } from '../../services/media/file-kind.js'
import { MAX_ITEMS, type FolderItem } from '../../services/storage/drive-folder.js'
import { galleryItems, photoGrid, pager, type Neighbours } from './photo-gallery.js'

// A neutral picture for a video whose poster cannot be made; a poster, when it loads, covers it.
const PLAY_ICON = '<svg class="play" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path d="M8 5v14l11-7z"/></svg>'

export interface DriveRef { key: string, title: string }

function crumbs (tr: Translator, d: DriveRef, path: string): string {
  const parts = path.split('/').filter(Boolean)
  const links = [`<a href="/">${esc(tr.t('home'))}</a>`, `<a href="/drive/${d.key}/">${esc(d.title)}</a>`]
  let acc = ''
  parts.forEach((p, i) => {
    acc += '/' + p
    links.push(i === parts.length - 1 ? `<span aria-current="page">${esc(p)}</span>` : `<a href="/drive/${d.key}${pathUrl(acc)}/">${esc(p)}</a>`)
  })
  return `<nav class="crumbs" aria-label="${esc(tr.t('breadcrumb'))}">${links.join(' / ')}</nav>`
}

/** "1:02:05" or "4:09". */
export function formatDuration (seconds: number): string {
  const t = Math.round(seconds)
  const h = Math.floor(t / 3600)
  const m = Math.floor(t / 60) % 60
  const s = String(t % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

export interface FolderView {
  /** Videos get poster images (ffmpeg is on this node). */
  posters?: boolean
  /** Durations already known, by path. */
  durations?: Map<string, number>
  /** On a drive's first page: its description and who published it (null: not known here). */
  about?: { description: string, publisher: string | null }
}

/** Where a folder with an index.html opens as a website: the portal's frame page around the content port. */
export function sitePath (key: string, folder: string): string {
  return `/site/${key}${pathUrl(folder === '/' ? '' : folder)}/`
}

function aboutDrive (tr: Translator, about: NonNullable<FolderView['about']>): string {
  const by = about.publisher ? tr.t('publishedBy', { name: about.publisher }) : tr.t('publishedNearby')
  return `${about.description ? `<p class="desc">${esc(about.description)}</p>` : ''}<p class="facts">${esc(by)}</p>`
}

export function folderPage (tr: Translator, d: DriveRef, folder: string, items: FolderItem[], truncated: boolean, view: FolderView = {}): string {
  const name = folder === '/' ? d.title : folder.split('/').pop()!
  const images = galleryItems(items)
  const shown = new Set(images)
  const rows = items.filter(it => !shown.has(it)).map(it => {
    const href = `/drive/${d.key}${pathUrl(it.path)}${it.folder ? '/' : ''}`
    const kind = it.folder ? 'folder' : fileKind(it.name)
    const seconds = kind === 'video' ? view.durations?.get(it.path) : undefined
    let icon = `<span class="icon" aria-hidden="true">${KIND_ICON[kind]}</span>`
    if (!it.folder && thumbnailable(it.name)) icon = `<span class="icon"><img src="/thumb/${d.key}${pathUrl(it.path)}" alt="" width="48" height="48" loading="lazy"></span>`
    else if (kind === 'video') icon = `<span class="icon">${PLAY_ICON}${view.posters ? `<img src="/thumb/${d.key}${pathUrl(it.path)}" alt="" width="48" height="48" loading="lazy">` : ''}</span>`
    const facts = it.folder ? '' : `<span class="size">${seconds ? `<bdi>${formatDuration(seconds)}</bdi> · ` : ''}<bdi>${formatSize(it.size)}</bdi></span>`
    return `<li><a href="${href}">${icon}<span class="name">${esc(it.name)}${it.folder ? '/' : ''}</span>${facts}</a></li>`
  })
  const up = folder === '/' ? '' : `<p><a href="/drive/${d.key}${pathUrl(folder.split('/').slice(0, -1).join('/'))}/">↑ ${esc(tr.t('up'))}</a></p>`
  const site = items.some(it => !it.folder && it.name === 'index.html')
    ? `<p class="acts"><a class="btn alt" href="${sitePath(d.key, folder)}">${esc(tr.t('openSite'))}<span class="vh">: ${esc(name)}</span></a></p>`
    : ''
  return `${crumbs(tr, d, folder)}<h1>${esc(name)}</h1>${view.about ? aboutDrive(tr, view.about) : ''}${up}${site}
${rows.length ? `<ul class="list">${rows.join('\n')}</ul>` : ''}${photoGrid(tr, d.key, images)}${items.length ? '' : `<p>${esc(tr.t('emptyFolder'))}</p>`}
${truncated ? `<p class="note">${esc(tr.t('tooMany', { n: MAX_ITEMS }))}</p>` : ''}`
}

export interface FilePreview {
  /** Rendered text or Markdown (already safe HTML), when the file is text. */
  html?: string
  truncated?: boolean
  missing?: boolean
  /** An image's place among its folder's images. */
  gallery?: Neighbours
  /** A video's poster can be asked for, and its duration when already known. */
  poster?: boolean
  duration?: number | null
}

export function filePage (tr: Translator, d: DriveRef, path: string, size: number, preview: FilePreview, contentOrigin: string): string {
  const name = path.split('/').pop()!
  const src = `/d/${d.key}${pathUrl(path)}`
  const site = `${contentOrigin}/${d.key}${pathUrl(path)}`
  const kind = fileKind(name)
  let body = ''
  switch (kind) {
    case 'image':
      // The page shows the large thumbnail; the photo itself loads only when tapped.
      body = thumbnailable(name)
        ? `<a class="photo" href="${src}"><img src="/thumb/${d.key}${pathUrl(path)}?size=large" alt="${esc(name)}"></a>`
        : `<img src="${src}" alt="${esc(name)}">`
      if (preview.gallery) body += pager(tr, d.key, preview.gallery)
      break
    case 'video':
    case 'audio':
      // A format the phone cannot decode (an AVI with MPEG-4 part 2, say) fails only once the browser tries:
      // the page script then shows this note; it is visible by itself where no player exists at all.
      body = `<${kind} controls${kind === 'video' ? ' playsinline' : ''}${kind === 'video' && preview.poster ? ` poster="/thumb/${d.key}${pathUrl(path)}?size=large"` : ''} preload="metadata" src="${src}"><p class="note">${esc(tr.t('cannotPlay'))}</p></${kind}>` +
        `<p class="note cannot-play" role="status" hidden>${esc(tr.t('cannotPlay'))}</p>`
      break
    case 'pdf':
      body = `<iframe src="${esc(site)}" title="${esc(name)}"></iframe><p><a href="${esc(site)}">${esc(tr.t('openPdf'))}</a></p>`
      break
    case 'html':
      body = `<p><a class="btn alt" href="/site/${d.key}${pathUrl(path)}">${esc(tr.t('openSite'))}</a></p>`
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
<p class="facts">${esc(tr.t('sizeLabel'))}: <bdi>${formatSize(size)}</bdi>${preview.duration ? ` · ${esc(tr.t('duration'))}: <bdi>${formatDuration(preview.duration)}</bdi>` : ''}</p>
<div class="preview">${body}</div>
<p class="acts"><a class="btn" href="${src}?download" download="${esc(name)}">⬇ ${esc(tr.t('download'))}<span class="vh">: ${esc(name)}</span></a></p>`
}

export function notFoundPage (tr: Translator): string {
  return `<h1>${esc(tr.t('notFound'))}</h1><p>${esc(tr.t('notFoundText'))}</p><p><a href="/">${esc(tr.t('home'))}</a></p>`
}

/** A drive this node does not hold, whose holders are out of reach (or did not answer in time). */
export function noHolderPage (tr: Translator): string {
  return `<h1>${esc(tr.t('noHolder'))}</h1><p>${esc(tr.t('noHolderText'))}</p><p><a href="/">${esc(tr.t('home'))}</a></p>`
}
