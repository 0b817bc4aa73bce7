// Typed, coded errors. One place (web/server/error-handler.ts) maps codes to HTTP status and, through the
// error's reason, to words in the reader's language; the CLI and the journal print `message` (English) as-is,
// so every message says what is wrong and how to fix it.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'BAD_KEY'
  | 'BAD_PATH'
  | 'DRIVE_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'DRIVE_BLOCKED'
  | 'NOT_WRITABLE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'QUOTA_EXCEEDED'
  | 'DISK_FULL'
  | 'PEER_REJECTED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'BAD_REQUEST'
  | 'WIFI_UNAVAILABLE'
  | 'WIFI_FAILED'
  | 'NOT_FOUND'
  | 'DATA_IN_USE'
  | 'DATA_NOT_WRITABLE'
  | 'NO_HOLDER'

/**
 * Why an error happened, finer than its code (one BAD_REQUEST can be a short password or an empty upload). It is
 * a stable name pages and scripts can rely on: web/i18n/error-text.ts maps each to the organiser's words in every
 * language, and the error's other details (the limit, the field, the offending name) fill their placeholders.
 * Start-up errors the CLI prints (CONFIG_INVALID, DATA_IN_USE, DATA_NOT_WRITABLE) need none.
 */
export type ErrorReason =
  // the admin page's own checks (web/admin)
  | 'postOnly' | 'csrfMissing' | 'otherOrigin' | 'noOrigin'
  | 'noPasswordYet' | 'passwordAlreadySet' | 'setupOnNodeOnly' | 'loginFirst'
  | 'wrongPasswordTriesLeft' | 'wrongPasswordOneTryLeft' | 'wrongPasswordNoTriesLeft'
  | 'currentPasswordWrong' | 'passwordsDiffer' | 'passwordTooShort' | 'passwordTooLong'
  | 'tooManyLoginsDevice' | 'tooManyLoginsNode'
  | 'needTitle' | 'noFilesChosen' | 'notMultipart' | 'fileTooLarge' | 'tooManyFiles' | 'tooManyFields'
  | 'tooManyParts' | 'uploadMalformed' | 'uploadInterrupted' | 'noSuchFolder' | 'formTooLarge' | 'formUnreadable'
  | 'notFollowed' | 'blockNotConfirmed' | 'ownNotBlockable' | 'driveNowhere'
  | 'sizeNoUnit' | 'sizeUnreadable' | 'capDriveAboveTotal'
  // files and drives (services/storage, services/publish)
  | 'badKey' | 'pathTooLong' | 'pathBadEncoding' | 'pathOutside' | 'pathDoubleEncoded'
  | 'driveBlocked' | 'driveBlockedUnblockFirst' | 'noSuchDrive' | 'noSuchFile' | 'nameExists'
  | 'fileNameMissing' | 'fileNameRoot' | 'folderReserved' | 'notPublisher' | 'sharedFolderDrive'
  | 'diskFull' | 'diskFullUpload' | 'notEnoughSpace'
  | 'stickGone' | 'folderNotOnStick' | 'folderOutsideStick' | 'folderNameInvalid' | 'existsOnStick' | 'stickFull'
  | 'exportNeedsFolder' | 'unsafeFileName'
  // one file a USB job left out (services/publish/usb-file-line.ts): its name cannot be stored, or its copy failed
  | 'nameBackslash' | 'nameControlChar' | 'nameEscape' | 'nameNotUtf8' | 'nameUnlinkable'
  | 'copyGone' | 'copyPermission' | 'copyIoError' | 'copyNameRefused' | 'copyExists' | 'copyNotHere' | 'copyFailed'
  // Wi-Fi (services/wifi, services/netd)
  | 'ssidLength' | 'ssidControlChars' | 'wifiPasswordLength' | 'wifiPasswordChars'
  | 'nmcliMissing' | 'networkManagerStopped' | 'nmcliTimeout' | 'nmcliFailed' | 'wifiJoinRefused'
  | 'netdMissing' | 'netdPermission' | 'netdUnreachable' | 'netdTimeout' | 'netdBadReply' | 'netdBadRequest'
  | 'netdClosed' | 'netdInternal' | 'netdShuttingDown'
  // a visitor's request (web/drive-files, web/content, an address nothing answers)
  | 'rangeNotSatisfiable' | 'nothingHere' | 'noHolder' | 'openFromPortal' | 'noIndexHtml'

/** What an error carries besides its message: its reason, the form field it is about, and the reason's values. */
export interface ErrorDetails {
  reason?: ErrorReason
  field?: string
  [name: string]: unknown
}

/** An error with a code a program can act on and a message a person can act on. */
export class CodedError<C extends string> extends Error {
  readonly code: C
  readonly details: ErrorDetails

  constructor (code: C, message: string, details: ErrorDetails = {}) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.details = details
  }

  /** The stable name of why, as pages and scripts see it: the reason, or the code when that already says it. */
  get reason (): string {
    return this.details.reason ?? this.code
  }
}

export class PortalError extends CodedError<ErrorCode> {}

export type ErrorFactory = (message: string, details?: ErrorDetails) => PortalError

const factory = (code: ErrorCode): ErrorFactory => (message, details) => new PortalError(code, message, details)

export const CONFIG_INVALID = factory('CONFIG_INVALID')
export const BAD_KEY = factory('BAD_KEY')
export const BAD_PATH = factory('BAD_PATH')
export const DRIVE_NOT_FOUND = factory('DRIVE_NOT_FOUND')
export const FILE_NOT_FOUND = factory('FILE_NOT_FOUND')
export const DRIVE_BLOCKED = factory('DRIVE_BLOCKED')
export const NOT_WRITABLE = factory('NOT_WRITABLE')
export const RANGE_NOT_SATISFIABLE = factory('RANGE_NOT_SATISFIABLE')
export const QUOTA_EXCEEDED = factory('QUOTA_EXCEEDED')
export const DISK_FULL = factory('DISK_FULL')
export const PEER_REJECTED = factory('PEER_REJECTED')
export const UNAUTHORIZED = factory('UNAUTHORIZED')
export const FORBIDDEN = factory('FORBIDDEN')
export const RATE_LIMITED = factory('RATE_LIMITED')
export const BAD_REQUEST = factory('BAD_REQUEST')
export const WIFI_UNAVAILABLE = factory('WIFI_UNAVAILABLE')
export const WIFI_FAILED = factory('WIFI_FAILED')
export const NOT_FOUND = factory('NOT_FOUND')
export const DATA_IN_USE = factory('DATA_IN_USE')
export const DATA_NOT_WRITABLE = factory('DATA_NOT_WRITABLE')
/** A drive this node does not hold, and no node that holds it answered in time. */
export const NO_HOLDER = factory('NO_HOLDER')

export function isPortalError (err: unknown, code?: ErrorCode): err is PortalError {
  return err instanceof PortalError && (code === undefined || err.code === code)
}

/** Node's ENOSPC/EDQUOT, or RocksDB's "No space left", become DISK_FULL so callers can say so plainly. */
export function asDiskFull (err: unknown): PortalError | null {
  const e = err as { code?: string, message?: string } | null
  if (!e) return null
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || /no space left/i.test(e.message ?? '')) {
    return DISK_FULL('The disk is full: free space or lower the disk cap (max-total-size), then try again.', { reason: 'diskFull' })
  }
  return null
}
