// How a file is previewed, from its name alone (the bytes are untrusted and never sniffed).
import mime from 'mime-types'

export type FileKind = 'image' | 'video' | 'audio' | 'pdf' | 'markdown' | 'text' | 'html' | 'other'

const TEXT_EXT = /\.(txt|text|log|csv|tsv|json|xml|ya?ml|toml|ini|conf|cfg|srt|vtt|c|h|cpp|js|mjs|ts|py|rb|go|rs|java|sh|css|tex|org|rst)$/i

export function fileKind (name: string): FileKind {
  if (/\.(md|markdown)$/i.test(name)) return 'markdown'
  if (/\.html?$/i.test(name)) return 'html'
  if (TEXT_EXT.test(name)) return 'text'
  const type = mime.lookup(name) || ''
  if (type === 'application/pdf') return 'pdf'
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('video/')) return 'video'
  if (type.startsWith('audio/')) return 'audio'
  if (type.startsWith('text/')) return 'text'
  return 'other'
}

/** Images the thumbnailer can read (libvips' common loaders). */
export function thumbnailable (name: string): boolean {
  return /\.(jpe?g|png|webp|gif|avif|tiff?|heic|heif)$/i.test(name)
}

export const KIND_ICON: Record<FileKind | 'folder', string> = {
  folder: '📁', image: '🖼️', video: '🎬', audio: '🎵', pdf: '📕', markdown: '📝', text: '📄', html: '🌐', other: '📦'
}
