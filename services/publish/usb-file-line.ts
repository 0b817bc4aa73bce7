// One line of a USB job's list of files it left out or could not copy: the file's name, why in English (the
// journal, scripts reading jobs.json, the English page) and the reason with its values, so the USB page words it
// in the organiser's language (web/i18n/error-text.ts).
import { CodedError, type ErrorReason } from '../errors.js'
import { UNSTORABLE_WHY, type UnstorableReason } from '../storage/drive-path.js'

export interface FileLine {
  /** The file's path on the stick (import) or in the drive (export). */
  name: string
  /** Why, in English. */
  message: string
  reason: ErrorReason
  /** What the reason's words show besides the name (the system's own words for an unexpected failure). */
  values?: Record<string, string | number>
}

type CopyReason = Extract<ErrorReason, 'copyGone' | 'copyPermission' | 'copyIoError' | 'copyNameRefused' | 'copyExists' | 'copyNotHere'>

/** English for the failures a stick commonly gives; the same words as the organiser's table (a unit test holds it). */
export const COPY_WHY: Readonly<Record<CopyReason, string>> = {
  copyGone: 'not copied: it was gone before it could be copied',
  copyPermission: 'not copied: the system refused access to it (permission denied)',
  copyIoError: 'not copied: the stick could not be read or written (input/output error); it may be failing',
  copyNameRefused: 'not copied: the stick’s file system refuses this name (too long, or a character such as : ? * " that FAT sticks cannot hold)',
  copyExists: 'not copied: the stick already has a file where this file or its folder goes',
  copyNotHere: 'not copied: its data is not on this node yet and no peer sent it in time; export again later'
}

// Node's errno codes, and hypercore's for a block no peer delivered (createReadStream's `timeout`).
const BY_CODE: Readonly<Record<string, CopyReason>> = {
  ENOENT: 'copyGone',
  EACCES: 'copyPermission',
  EPERM: 'copyPermission',
  EROFS: 'copyPermission',
  EIO: 'copyIoError',
  // Linux's vfat driver refuses names with : ? * " < > | (EINVAL) and names over 255 characters (ENAMETOOLONG).
  EINVAL: 'copyNameRefused',
  ENAMETOOLONG: 'copyNameRefused',
  // A drive may hold both "/a" and "/a/b.txt" (drives are key-value stores; other implementations write such
  // pairs): on a file system the second needs a folder where the first is a file.
  EEXIST: 'copyExists',
  ENOTDIR: 'copyExists',
  REQUEST_TIMEOUT: 'copyNotHere',
  BLOCK_NOT_AVAILABLE: 'copyNotHere'
}

/** A file an import leaves out because its name cannot be stored in a drive. */
export function skippedLine (name: string, reason: UnstorableReason): FileLine {
  return { name, message: `skipped, its name has ${UNSTORABLE_WHY[reason]}`, reason }
}

/** A file whose copy failed: a coded error keeps its reason; a system error is named by its code when known. */
export function failedLine (name: string, err: unknown): FileLine {
  if (err instanceof CodedError && err.details.reason !== undefined) {
    const values: Record<string, string | number> = {}
    for (const [k, v] of Object.entries(err.details)) if (k !== 'reason' && (typeof v === 'string' || typeof v === 'number')) values[k] = v
    return { name, message: err.message, reason: err.details.reason, values }
  }
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && Object.hasOwn(BY_CODE, code)) return { name, message: COPY_WHY[BY_CODE[code]], reason: BY_CODE[code] }
  const detail = err instanceof Error ? err.message : String(err)
  return { name, message: `not copied: ${detail}`, reason: 'copyFailed', values: { detail } }
}
