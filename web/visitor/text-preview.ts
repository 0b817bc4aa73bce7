// Text and Markdown shown inside a portal page: Markdown through micromark, which escapes raw HTML and drops
// javascript:/data: links by default, with GitHub's tables (people write their schedules and price lists as
// tables); plain text escaped. Only the first part of a long file is read.
import { esc } from '../html/escape.js'

export const PREVIEW_BYTES = 256 * 1024

/**
 * `imageBase` is where the file's folder is served as bytes (e.g. "/d/<key>/docs/"): a Markdown image written
 * as a relative path must load the file itself, not the portal's page about it.
 */
export async function renderText (buf: Buffer, markdown: boolean, imageBase = ''): Promise<string> {
  // A cut may split a UTF-8 sequence: the decoder drops the broken tail as U+FFFD.
  const text = buf.toString('utf8')
  if (!markdown) return esc(text)
  // Loaded on the first Markdown preview: micromark costs a node ~8 MiB of RSS that most nodes never use.
  const [{ micromark }, { gfmTable, gfmTableHtml }] = await Promise.all([import('micromark'), import('micromark-extension-gfm-table')])
  // micromark's output is well-formed and its attributes escaped, so a src is always `src="…"` here.
  return micromark(text, { extensions: [gfmTable()], htmlExtensions: [gfmTableHtml()] }).replace(/<img src="(?![a-z][a-z0-9+.-]*:|\/|#)([^"]*)"/gi, (m, src: string) => `<img src="${imageBase}${src}"`)
}
