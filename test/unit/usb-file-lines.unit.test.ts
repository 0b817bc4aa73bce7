// A USB job's list of files it left out is kept as lines with a reason, so the USB page words each one in the
// organiser's language; the English (journal, jobs.json, the English page) stays the words it always was, and a
// line kept as a plain English string, from before lines had reasons, is shown as it is.
import { describe, it, expect, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { UsbSticks } from '../../services/publish/usb-sticks.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'
import { until } from '../helpers/until.js'
import { BAD_PATH } from '../../services/errors.js'
import { UNSTORABLE_WHY, type UnstorableReason } from '../../services/storage/drive-path.js'
import { COPY_WHY, failedLine, skippedLine } from '../../services/publish/usb-file-line.js'
import { exportPath, type UsbJob } from '../../services/publish/usb-sticks.js'
import { ADMIN_STRINGS } from '../../web/i18n/admin-strings.js'
import { adminTranslator } from '../../web/i18n/admin-language.js'
import { ERROR_KEYS } from '../../web/i18n/error-text.js'
import { fileLineView, usbBody, usbJobView } from '../../web/admin/usb-page.js'

afterAll(removeTempDirs)

const errno = (code: string, message: string) => Object.assign(new Error(message), { code })

const job = (failed: UsbJob['failed'] | string[]) => ({
  id: 1, kind: 'import' as const, what: 'STICK → "Talks"', files: 3, done: 3, bytes: 6, failed, state: 'done' as const
})

describe('a USB job\'s file lines', () => {
  it('the English a line is stored with is the English of the organiser\'s table, so the two cannot drift', () => {
    for (const reason of Object.keys(UNSTORABLE_WHY) as UnstorableReason[]) {
      expect(skippedLine('/x', reason).message, reason).toBe(ADMIN_STRINGS.en[ERROR_KEYS[reason]])
    }
    for (const [reason, text] of Object.entries(COPY_WHY)) {
      expect(text, reason).toBe(ADMIN_STRINGS.en[ERROR_KEYS[reason as keyof typeof COPY_WHY]])
    }
    expect(failedLine('/x', new Error('odd')).message).toBe(ADMIN_STRINGS.en.errCopyFailed.replace('{detail}', 'odd'))
  })

  it('a failed copy keeps a coded error\'s reason and values, names the stick\'s common failures, and keeps anything else\'s words', () => {
    let unsafe: unknown
    try { exportPath('/media/stick/out', '/a\\b.txt') } catch (err) { unsafe = err }
    expect(failedLine('/a\\b.txt', unsafe)).toEqual({ name: '/a\\b.txt', message: 'unsafe file name "/a\\\\b.txt"', reason: 'unsafeFileName', values: { name: '/a\\b.txt' } })
    expect(failedLine('/What?.jpg', errno('EINVAL', "EINVAL: invalid argument, open '/media/stick/out/What?.jpg'")))
      .toEqual({ name: '/What?.jpg', message: COPY_WHY.copyNameRefused, reason: 'copyNameRefused' })
    expect(failedLine('/a.mp4', errno('REQUEST_TIMEOUT', 'Request timed out')).reason).toBe('copyNotHere')
    expect(failedLine('/b.txt', errno('EIO', 'EIO: i/o error, read')).reason).toBe('copyIoError')
    expect(failedLine('/c.txt', new Error('something new'))).toEqual({ name: '/c.txt', message: 'not copied: something new', reason: 'copyFailed', values: { detail: 'something new' } })
    expect(failedLine('/d.txt', BAD_PATH('Give a file name.', { reason: 'fileNameMissing' })).reason).toBe('fileNameMissing')
  })

  it('an export of a drive holding both "/notes" and "/notes/day1.txt" copies the first and lists the second with its reason', async () => {
    const root = await tempDir('p2p-usb-lines-')
    fs.mkdirSync(path.join(root, 'STICK'))
    const lib = new Library({ dataDir: await tempDir('p2p-usb-lines-data-') })
    await lib.open()
    const usb = new UsbSticks({ library: lib, writer: new DriveWriter(lib, lib.dataDir), roots: [root], mountsOnly: false })
    try {
      fs.writeFileSync(path.join(root, 'STICK', 'keep'), 'a stick with something on it counts as a stick')
      const d = await lib.createOwnDrive({ title: 'Diario', description: '' })
      // Written straight into the drive, as another implementation would: the admin upload cannot make this pair.
      await d.drive.put('/notes', Buffer.from('a file'))
      await d.drive.put('/notes/day1.txt', Buffer.from('under a file'))
      const [stick] = await usb.list()
      const job = await usb.startExport(d, stick, 'copy')
      await until(() => job.state !== 'running', { what: 'the export to finish' })
      expect(job, job.error).toMatchObject({ state: 'done', files: 2, done: 2 })
      expect(fs.readFileSync(path.join(root, 'STICK', 'copy', 'notes'), 'utf8')).toBe('a file')
      expect(job.failed).toEqual([{ name: '/notes/day1.txt', message: COPY_WHY.copyExists, reason: 'copyExists' }])
      expect(fileLineView(job.failed[0], adminTranslator('es')).text).toBe('no copiado: la memoria ya tiene un archivo donde va este archivo o su carpeta')
    } finally {
      await usb.close()
      await lib.close()
    }
  })

  it('reads in the organiser\'s language, the file\'s name kept as it is', () => {
    const line = skippedLine('/notas\\día.txt', 'nameBackslash')
    expect(fileLineView(line, adminTranslator('en'))).toEqual({ name: '/notas\\día.txt', text: 'skipped, its name has a backslash, which drives read as a folder separator' })
    expect(fileLineView(line, adminTranslator('es')).text).toBe('omitido: su nombre tiene una barra invertida, que los discos leen como separador de carpetas')
    expect(fileLineView(line, adminTranslator('fr')).text).toBe('ignoré : son nom contient une barre oblique inverse, que les disques lisent comme un séparateur de dossiers')
    expect(fileLineView(line, adminTranslator('ar')).text).toBe('تم تخطيه: اسمه يحتوي على شرطة مائلة عكسية، تقرؤها الأقراص فاصلًا بين المجلدات')
    expect(fileLineView(failedLine('/c.txt', new Error('something new')), adminTranslator('es')).text).toBe('no copiado: something new')
  })

  it('a line kept as a plain English string is shown as it is, next to lines with reasons', () => {
    const old = '/back\\slash.txt: skipped, its name has a backslash, which drives read as a folder separator'
    const view = usbJobView(job([old]), adminTranslator('ar'))
    expect(view.failed).toEqual([{ name: null, text: old }])
    const page = usbBody(adminTranslator('ar').t, { sticks: [], drives: [], jobs: [view], drive: '', csrf: 'x' }).text
    expect(page).toContain('<li>/back\\slash.txt: skipped, its name has a backslash, which drives read as a folder separator</li>')

    const mixed = usbJobView(job([skippedLine('/dot%2e.txt', 'nameEscape')]), adminTranslator('es'))
    const es = usbBody(adminTranslator('es').t, { sticks: [], drives: [], jobs: [mixed], drive: '', csrf: 'x' }).text
    expect(es).toContain('<li><bdi>/dot%2e.txt</bdi>: omitido: su nombre tiene una secuencia de escape como %2e, que los enlaces rechazan como doble codificación</li>')
  })
})
