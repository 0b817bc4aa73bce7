// An error in the reader's language. A coded error's reason names a key of the organiser's table and its
// details fill that key's placeholders; an error without a reason (or with one this version does not know, from
// another version of the Wi-Fi helper) keeps its message. English readers get the message itself: it is the
// precise one (nmcli's own words, the exact limit), and the one the journal and scripts see.
import { CodedError, type ErrorDetails, type ErrorFactory, type ErrorReason, type PortalError } from '../../services/errors.js'
import { adminTranslator, type AdminTranslator } from './admin-language.js'
import type { AdminKey } from './admin-strings.js'
import { UpdateError, type UpdateErrorCode } from '../../services/update/update-error.js'

/** Every reason has words in every language: the Record makes a missing one a type error. */
export const ERROR_KEYS: Record<ErrorReason, AdminKey> = {
  postOnly: 'errPostOnly',
  csrfMissing: 'errCsrfMissing',
  otherOrigin: 'errOtherOrigin',
  noOrigin: 'errNoOrigin',
  noPasswordYet: 'errNoPasswordYet',
  passwordAlreadySet: 'errPasswordAlreadySet',
  setupOnNodeOnly: 'errSetupOnNodeOnly',
  loginFirst: 'errLoginFirst',
  wrongPasswordTriesLeft: 'triesLeft',
  wrongPasswordOneTryLeft: 'oneTryLeft',
  wrongPasswordNoTriesLeft: 'noTriesLeft',
  currentPasswordWrong: 'currentWrong',
  passwordsDiffer: 'passwordsDiffer',
  passwordTooShort: 'errPasswordTooShort',
  passwordTooLong: 'errPasswordTooLong',
  tooManyLoginsDevice: 'errTooManyLoginsDevice',
  tooManyLoginsNode: 'errTooManyLoginsNode',
  needTitle: 'needTitle',
  noFilesChosen: 'errNoFilesChosen',
  notMultipart: 'errNotMultipart',
  fileTooLarge: 'errFileTooLarge',
  tooManyFiles: 'errTooManyFiles',
  tooManyFields: 'errTooManyFields',
  tooManyParts: 'errTooManyParts',
  uploadMalformed: 'errUploadMalformed',
  uploadInterrupted: 'errUploadInterrupted',
  noSuchFolder: 'errNoSuchFolder',
  formTooLarge: 'errFormTooLarge',
  formUnreadable: 'errFormUnreadable',
  notFollowed: 'errNotFollowed',
  blockNotConfirmed: 'errBlockNotConfirmed',
  ownNotBlockable: 'errOwnNotBlockable',
  driveNowhere: 'errDriveNowhere',
  sizeNoUnit: 'sizeNoUnit',
  sizeUnreadable: 'sizeUnreadable',
  capDriveAboveTotal: 'capDriveAboveTotal',
  badKey: 'errBadKey',
  pathTooLong: 'errPathTooLong',
  pathBadEncoding: 'errPathBadEncoding',
  pathOutside: 'errPathOutside',
  pathDoubleEncoded: 'errPathDoubleEncoded',
  driveBlocked: 'errDriveBlocked',
  driveBlockedUnblockFirst: 'errDriveBlockedUnblockFirst',
  noSuchDrive: 'errNoSuchDrive',
  noSuchFile: 'errNoSuchFile',
  nameExists: 'errNameExists',
  fileNameMissing: 'errFileNameMissing',
  fileNameRoot: 'errFileNameRoot',
  folderReserved: 'errFolderReserved',
  notPublisher: 'errNotPublisher',
  sharedFolderDrive: 'errSharedFolderDrive',
  diskFull: 'errDiskFull',
  diskFullUpload: 'errDiskFullUpload',
  notEnoughSpace: 'errNotEnoughSpace',
  stickGone: 'errStickGone',
  folderNotOnStick: 'errFolderNotOnStick',
  folderOutsideStick: 'errFolderOutsideStick',
  folderNameInvalid: 'errFolderNameInvalid',
  existsOnStick: 'errExistsOnStick',
  stickFull: 'errStickFull',
  exportNeedsFolder: 'errExportNeedsFolder',
  unsafeFileName: 'errUnsafeFileName',
  nameBackslash: 'errNameBackslash',
  nameControlChar: 'errNameControlChar',
  nameEscape: 'errNameEscape',
  nameNotUtf8: 'errNameNotUtf8',
  nameUnlinkable: 'errNameUnlinkable',
  copyGone: 'errCopyGone',
  copyPermission: 'errCopyPermission',
  copyIoError: 'errCopyIoError',
  copyNameRefused: 'errCopyNameRefused',
  copyExists: 'errCopyExists',
  copyNotHere: 'errCopyNotHere',
  copyFailed: 'errCopyFailed',
  ssidLength: 'errSsidLength',
  ssidControlChars: 'errSsidControlChars',
  wifiPasswordLength: 'errWifiPasswordLength',
  wifiPasswordChars: 'errWifiPasswordChars',
  nmcliMissing: 'errNmcliMissing',
  networkManagerStopped: 'errNetworkManagerStopped',
  nmcliTimeout: 'errNmcliTimeout',
  nmcliFailed: 'errNmcliFailed',
  wifiJoinRefused: 'errWifiJoinRefused',
  netdMissing: 'errNetdMissing',
  netdPermission: 'errNetdPermission',
  netdUnreachable: 'errNetdUnreachable',
  netdTimeout: 'errNetdTimeout',
  netdBadReply: 'errNetdBadReply',
  netdBadRequest: 'errNetdBadRequest',
  netdClosed: 'errNetdClosed',
  netdInternal: 'errNetdInternal',
  netdShuttingDown: 'errNetdShuttingDown',
  rangeNotSatisfiable: 'errRangeNotSatisfiable',
  nothingHere: 'errNothingHere',
  noHolder: 'errNoHolder',
  openFromPortal: 'errOpenFromPortal',
  noIndexHtml: 'errNoIndexHtml'
}

/** Why a release was refused or an install undone: the code already says it, one sentence per code. */
export const UPDATE_ERROR_KEYS: Record<UpdateErrorCode, AdminKey> = {
  RELEASE_WRONG_KEY: 'errReleaseWrongKey',
  RELEASE_TAMPERED: 'errReleaseTampered',
  RELEASE_BAD_SIGNATURE: 'errReleaseBadSignature',
  RELEASE_DOWNGRADE: 'errReleaseDowngrade',
  RELEASE_TOO_OLD: 'errReleaseTooOld',
  RELEASE_TRUNCATED: 'errReleaseTruncated',
  RELEASE_BAD_MANIFEST: 'errReleaseBadManifest',
  RELEASE_NOT_FOUND: 'errReleaseNotFound',
  RELEASE_MARKED_BAD: 'errReleaseMarkedBad',
  RELEASE_NOT_READY: 'errReleaseNotReady',
  INSTALL_FAILED: 'errInstallFailed',
  UPDATE_BUSY: 'updErrBusy',
  NOTHING_OFFERED: 'updErrNothing',
  NO_PREVIOUS_VERSION: 'updNoPrevious',
  UPDATER_UNAVAILABLE: 'updNoHelper'
}

/** The key of the organiser's table an error is worded by, or null when it keeps its own message. */
export function errorKey (err: unknown): AdminKey | null {
  if (err instanceof UpdateError) return Object.hasOwn(UPDATE_ERROR_KEYS, err.code) ? UPDATE_ERROR_KEYS[err.code] : null
  if (!(err instanceof CodedError)) return null
  const reason = err.details.reason
  return typeof reason === 'string' && Object.hasOwn(ERROR_KEYS, reason) ? ERROR_KEYS[reason] : null
}

/** The values an error's words may show: its details that are plain text or numbers. */
export function errorParams (err: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  if (!(err instanceof CodedError)) return out
  for (const [k, v] of Object.entries(err.details)) {
    if (k !== 'reason' && (typeof v === 'string' || typeof v === 'number')) out[k] = v
  }
  return out
}

/** What to show a reader of `tr`'s language for `err` (an error the page may describe, see errorView). */
export function errorText (err: unknown, tr: AdminTranslator): string {
  const key = errorKey(err)
  if (key === null || tr.lang === 'en') return (err as Error).message
  return tr.t(key, errorParams(err))
}

/**
 * The same for an error kept as its message and details (a USB job that failed earlier), or as its message and
 * update code (the release watcher's last result in /api/status).
 */
export function keptErrorText (message: string, details: ErrorDetails | undefined, tr: AdminTranslator, code?: string): string {
  const kept = code !== undefined && Object.hasOwn(UPDATE_ERROR_KEYS, code) ? new UpdateError(code as UpdateErrorCode, message, details) : new CodedError('KEPT', message, details)
  return errorText(kept, tr)
}

/** An error thrown by the web layer itself, its English message taken from the table, so the two cannot drift. */
export function coded (make: ErrorFactory, reason: ErrorReason, details: Omit<ErrorDetails, 'reason'> = {}): PortalError {
  const vars = Object.fromEntries(Object.entries(details).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number'))
  return make(adminTranslator('en').t(ERROR_KEYS[reason], vars), { ...details, reason })
}
