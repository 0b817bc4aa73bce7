// Photos as a gallery: a folder's images as a grid of thumbnails, and on an image's page the way to the
// previous and next image of the same folder. Plain links; portal.js adds swipes and arrow keys to them.
import type { Translator } from '../i18n/language.js'
import { esc, pathUrl } from '../html/escape.js'
import { thumbnailable } from '../../services/media/file-kind.js'
import type { FolderItem } from '../../services/storage/drive-folder.js'

/** The images of a folder the grid shows, in folder order (the order prev/next follow). */
export function galleryItems (items: FolderItem[]): FolderItem[] {
  return items.filter(it => !it.folder && thumbnailable(it.name))
}

export function photoGrid (tr: Translator, key: string, images: FolderItem[]): string {
  if (!images.length) return ''
  // Each cell loads a 240 px thumbnail, never the photo itself; lazily, so a 200-photo folder costs a screenful.
  const cells = images.map(it => `<li><a href="/drive/${key}${pathUrl(it.path)}"><img src="/thumb/${key}${pathUrl(it.path)}?size=medium" alt="${esc(it.name)}" width="120" height="120" loading="lazy" decoding="async"></a></li>`)
  return `<h2 id="photos" class="vh">${esc(tr.t('photos'))}</h2><ul class="grid" aria-labelledby="photos">${cells.join('')}</ul>`
}

export interface Neighbours { prev?: string, next?: string, index: number, count: number }

export function neighbours (images: FolderItem[], path: string): Neighbours | undefined {
  const i = images.findIndex(it => it.path === path)
  if (i === -1) return undefined
  return { prev: images[i - 1]?.path, next: images[i + 1]?.path, index: i, count: images.length }
}

export function pager (tr: Translator, key: string, n: Neighbours): string {
  // Arrows point the way the reading direction goes: "previous" is on the right in Arabic.
  const [back, fwd] = tr.dir === 'rtl' ? ['→', '←'] : ['←', '→']
  const link = (rel: 'prev' | 'next', p: string | undefined) => p
    ? `<a class="btn alt" rel="${rel}" href="/drive/${key}${pathUrl(p)}">${rel === 'prev' ? `<span aria-hidden="true">${back}</span> ${esc(tr.t('previous'))}` : `${esc(tr.t('next'))} <span aria-hidden="true">${fwd}</span>`}</a>`
    : '<span></span>'
  return `<nav class="pager" aria-label="${esc(tr.t('photos'))}">${link('prev', n.prev)}<span class="pos">${esc(tr.t('photoPosition', { i: n.index + 1, n: n.count }))}</span>${link('next', n.next)}</nav>`
}
