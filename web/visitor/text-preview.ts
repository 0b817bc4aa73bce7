// Text and Markdown shown inside a portal page: Markdown through micromark, which escapes raw HTML and drops
// javascript:/data: links by default; plain text escaped. Only the first part of a long file is read.
import { micromark } from 'micromark'
import { esc } from '../html/escape.js'

export const PREVIEW_BYTES = 256 * 1024

export function renderText (buf: Buffer, markdown: boolean): string {
  // A cut may split a UTF-8 sequence: the decoder drops the broken tail as U+FFFD.
  const text = buf.toString('utf8')
  return markdown ? micromark(text) : esc(text)
}
