// Why a release was refused or an install undone, coded so the node can show it and the helper can record it.
// services/errors.ts is the shared list; updates keep their own codes here so that file stays untouched.

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

export class UpdateError extends Error {
  readonly code: UpdateErrorCode
  readonly details: Record<string, unknown>

  constructor (code: UpdateErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = 'UpdateError'
    this.code = code
    this.details = details
  }
}

export function isUpdateError (err: unknown, code?: UpdateErrorCode): err is UpdateError {
  return err instanceof UpdateError && (code === undefined || err.code === code)
}
