// Multipart uploads streamed straight into a drive with busboy: a 2 GB video passes through in 512 KiB
// blocks, never whole in memory and never in a temp file. Fields must come before the files (the forms put
// them first): the CSRF token is checked before a single byte of a file is written.
import busboy from 'busboy'
import type { Request } from 'express'
import type { LibraryDrive } from '../../services/storage/library-drive.js'
import { BAD_REQUEST, FORBIDDEN, isPortalError } from '../../services/errors.js'
import { userPath, type DriveWriter } from '../../services/publish/drive-writer.js'
import { coded } from '../i18n/error-text.js'

export interface UploadOptions {
  /** Checks a `_csrf` field; `csrfOk` says the header already carried a valid token. */
  csrf: (token: string) => boolean
  csrfOk: boolean
  maxFiles?: number
}

export interface UploadResult { files: Array<{ path: string, bytes: number }> }

export function receiveUpload (req: Request, writer: DriveWriter, d: LibraryDrive, opts: UploadOptions): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy
    try {
      bb = busboy({
        headers: req.headers,
        // Folder uploads send "folder/sub/file.jpg" as the file name.
        preservePath: true,
        // Browsers send file names as raw UTF-8; busboy's default (latin1) turned “café” into “cafÃ©”.
        defParamCharset: 'utf8',
        limits: { fields: 20, fieldSize: 8192, files: opts.maxFiles ?? 10_000, parts: (opts.maxFiles ?? 10_000) + 20, headerPairs: 100 }
      })
    } catch {
      reject(BAD_REQUEST('Send files as a multipart form (the upload form on the drive page).', { reason: 'notMultipart' }))
      return
    }
    let csrfOk = opts.csrfOk
    let dir = ''
    let failed: Error | null = null
    let chain: Promise<void> = Promise.resolve()
    let current: NodeJS.ReadableStream & { destroy (err?: Error): void, readableEnded: boolean } | null = null
    const files: UploadResult['files'] = []

    const fail = (err: Error) => {
      if (failed) return
      failed = err
      req.unpipe(bb)
      // A file cut off here would never end: fail its write so the drive's write lock is released.
      if (current && !current.readableEnded) current.destroy(err)
      // Discard the rest of the body so the browser gets to read the error instead of a reset connection.
      req.resume()
      reject(err)
    }

    bb.on('field', (name, value) => {
      if (name === '_csrf' && opts.csrf(value)) csrfOk = true
      if (name === 'dir') dir = value.trim()
    })
    bb.on('file', (_field, stream, info) => {
      if (failed) { stream.resume(); return }
      if (!csrfOk) { stream.resume(); fail(coded(FORBIDDEN, 'csrfMissing')); return }
      if (!info.filename) { stream.resume(); return }
      let name: string
      try {
        name = userPath(`${dir}/${info.filename.replace(/\\/g, '/')}`)
      } catch (err) {
        stream.resume()
        fail(err as Error)
        return
      }
      current = stream
      chain = chain.then(async () => {
        if (failed) { stream.resume(); return }
        const bytes = await writer.writeStream(d, name, stream)
        if ((stream as unknown as { truncated?: boolean }).truncated) throw coded(BAD_REQUEST, 'fileTooLarge', { name })
        files.push({ path: name, bytes })
      }).catch((err) => { stream.resume(); fail(err) })
    })
    bb.on('filesLimit', () => fail(coded(BAD_REQUEST, 'tooManyFiles', { n: opts.maxFiles ?? 10_000 })))
    bb.on('fieldsLimit', () => fail(coded(BAD_REQUEST, 'tooManyFields')))
    bb.on('partsLimit', () => fail(coded(BAD_REQUEST, 'tooManyParts')))
    bb.on('error', (err: Error) => fail(isPortalError(err) ? err : BAD_REQUEST(`The upload was cut or malformed: ${err.message}`, { reason: 'uploadMalformed' })))
    bb.on('close', () => {
      chain.then(() => {
        if (failed) return
        if (!csrfOk) return fail(coded(FORBIDDEN, 'csrfMissing'))
        resolve({ files })
      }, () => { /* chain's own .catch already called fail() */ })
    })
    req.on('aborted', () => fail(coded(BAD_REQUEST, 'uploadInterrupted')))
    req.pipe(bb)
  })
}
