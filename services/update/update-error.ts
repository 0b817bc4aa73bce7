// Why a release was refused or an install undone, coded so the node can show it and the helper can record it.
// The root helper records these codes too; they share the coded-error base with services/errors.ts.
import { CodedError } from '../errors.js'

export type UpdateErrorCode =
  | 'RELEASE_WRONG_KEY'
  | 'RELEASE_TAMPERED'
  | 'RELEASE_BAD_SIGNATURE'
  | 'RELEASE_DOWNGRADE'
  | 'RELEASE_TOO_OLD'
  | 'RELEASE_TRUNCATED'
  | 'RELEASE_BAD_MANIFEST'
  | 'RELEASE_NOT_FOUND'
  | 'RELEASE_MARKED_BAD'
  | 'RELEASE_NOT_READY'
  | 'INSTALL_FAILED'
  | 'NO_PREVIOUS_VERSION'
  | 'NOTHING_OFFERED'
  | 'UPDATE_BUSY'
  | 'UPDATER_UNAVAILABLE'

export class UpdateError extends CodedError<UpdateErrorCode> {}

export function isUpdateError (err: unknown, code?: UpdateErrorCode): err is UpdateError {
  return err instanceof UpdateError && (code === undefined || err.code === code)
}
