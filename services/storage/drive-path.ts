// Paths inside a drive come from anonymous phones and hostile pages: decode once, then refuse anything that
// could mean something else to another layer (.., backslashes, NUL, a second level of encoding).
import { BAD_PATH, type ErrorReason } from '../errors.js'

const MAX_PATH = 4096

/** "/d/<key>/a%20b/c.txt" rest → "/a b/c.txt". Throws BAD_PATH for anything that could escape the drive. */
export function drivePath (rawRest: string): string {
  if (rawRest.length > MAX_PATH) throw BAD_PATH('That path is too long.', { reason: 'pathTooLong' })
  const segments = rawRest.split('/')
  const out: string[] = []
  for (const seg of segments) {
    if (seg === '') continue
    let decoded: string
    try { decoded = decodeURIComponent(seg) } catch { throw BAD_PATH('That path is not valid URL encoding.', { reason: 'pathBadEncoding' }) }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\') ||
        /[\u0000-\u001f\u007f]/.test(decoded)) {
      throw BAD_PATH('That path points outside the drive or contains characters files cannot have.', { reason: 'pathOutside' })
    }
    // "%252e%252e" decodes to "%2e%2e": harmless to us, but a proxy or a browser could decode it again.
    if (/%(2e|2f|5c|00)/i.test(decoded)) throw BAD_PATH('That path is encoded twice, which is not allowed.', { reason: 'pathDoubleEncoded' })
    out.push(decoded)
  }
  return '/' + out.join('/')
}

/** Splits "/d/<key>/<rest>" from the raw URL (before any router normalises it); query and hash removed. */
export function splitDriveUrl (rawUrl: string, prefix: string): { key: string, rest: string, trailingSlash: boolean } | null {
  const q = rawUrl.search(/[?#]/)
  const url = q === -1 ? rawUrl : rawUrl.slice(0, q)
  if (!url.startsWith(prefix)) return null
  const tail = url.slice(prefix.length)
  const slash = tail.indexOf('/')
  const key = slash === -1 ? tail : tail.slice(0, slash)
  const rest = slash === -1 ? '' : tail.slice(slash)
  return { key, rest, trailingSlash: rest === '' || rest.endsWith('/') }
}

/** Why a name from a folder cannot be stored: a stable name the admin page words in the organiser's language. */
export type UnstorableReason = Extract<ErrorReason, 'nameBackslash' | 'nameControlChar' | 'nameEscape' | 'nameNotUtf8' | 'nameUnlinkable'>

/** The same in English, for the journal and for scripts ("its name has …"). */
export const UNSTORABLE_WHY: Readonly<Record<UnstorableReason, string>> = {
  nameBackslash: 'a backslash, which drives read as a folder separator',
  nameControlChar: 'a control character (such as a newline), which links cannot carry',
  nameEscape: 'an escape such as %2e, which links refuse as double encoding',
  nameNotUtf8: 'bytes that are not UTF-8',
  nameUnlinkable: 'characters that links cannot carry'
}

/**
 * Why a file's path from a folder (a shared folder, a USB stick) cannot become a drive path that its link opens
 * again exactly, or null when it can. Hyperdrive reads a backslash as a folder separator, and the link rules
 * above refuse control characters and escapes, so such names would be renamed or listed but unopenable.
 */
export function unstorableName (name: string): UnstorableReason | null {
  if (name.includes('\\')) return 'nameBackslash'
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'nameControlChar'
  if (/%(2e|2f|5c|00)/i.test(name)) return 'nameEscape'
  // readdir decodes names that are not UTF-8 with U+FFFD: the file could not be opened by that name.
  if (name.includes('\uFFFD')) return 'nameNotUtf8'
  const absolute = name.startsWith('/') ? name : '/' + name
  try {
    if (drivePath(absolute.split('/').map(encodeURIComponent).join('/')) === absolute) return null
  } catch { /* a link rule refused it: the reason below says so */ }
  return 'nameUnlinkable'
}
