// Every error the admin page (or a visitor) can meet is worded in the reader's language: a coded error carries a
// reason, each reason has words in every language with the same placeholders, and the renderer picks them.
import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import * as errors from '../../services/errors.js'
import { BAD_REQUEST, PortalError, WIFI_FAILED, type ErrorReason } from '../../services/errors.js'
import { ADMIN_STRINGS } from '../../web/i18n/admin-strings.js'
import { adminTranslator } from '../../web/i18n/admin-language.js'
import { ERROR_KEYS, UPDATE_ERROR_KEYS, coded, errorText, keptErrorText } from '../../web/i18n/error-text.js'
import { UpdateError } from '../../services/update/update-error.js'
import { errorView } from '../../web/server/error-handler.js'
import { LANGUAGES } from '../../web/i18n/strings.js'
import { checkNew } from '../../web/admin/admin-password.js'
import { parseKey } from '../../services/storage/drive-key.js'
import { plainDetails } from '../../services/netd/parse-netd-request.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** The coded-error factories of services/errors.ts (BAD_REQUEST, WIFI_FAILED, …). */
const FACTORIES = new Set(Object.keys(errors).filter(k => /^[A-Z_]+$/.test(k) && typeof (errors as Record<string, unknown>)[k] === 'function'))

// Errors raised only while a node starts, printed by the CLI and never answered to a browser.
const START_UP_CODES = new Set(['CONFIG_INVALID', 'DATA_IN_USE', 'DATA_NOT_WRITABLE'])
const START_UP_FILES = new Set([
  'services/discovery/mdns-discovery.ts' // checks the node's own key and port when mDNS starts
])

function sources (dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts')).map(f => path.join(dir, f))
}

/** `file:line FACTORY(…)` for every factory call that gives no reason (coded() always gives one). */
function callsWithoutReason (): string[] {
  const out: string[] = []
  for (const file of [...sources('services'), ...sources('web')]) {
    if (START_UP_FILES.has(file) || file.startsWith('services/config/')) continue
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && FACTORIES.has(node.expression.text) &&
          !START_UP_CODES.has(node.expression.text) && node.expression.text !== 'isPortalError' && node.expression.text !== 'asDiskFull') {
        const details = node.arguments[1]
        const hasReason = details !== undefined && ts.isObjectLiteralExpression(details) &&
          details.properties.some(p => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'reason')
        if (!hasReason) out.push(`${file}:${src.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.getText().slice(0, 70)}`)
      }
      ts.forEachChild(node, visit)
    }
    visit(src)
  }
  return out
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map(m => m[1]).sort()

describe('error messages in four languages', () => {
  it('every coded error thrown in services/ and web/ names a reason, so no page falls back to English', () => {
    expect(FACTORIES.has('BAD_REQUEST')).toBe(true)
    expect(callsWithoutReason()).toEqual([])
  })

  it('every reason, and every update code, has words in every language, with the same placeholders as the English', () => {
    for (const [reason, key] of [...Object.entries(ERROR_KEYS), ...Object.entries(UPDATE_ERROR_KEYS)]) {
      const en = ADMIN_STRINGS.en[key]
      for (const lang of LANGUAGES) {
        const text = ADMIN_STRINGS[lang][key]
        expect(text, `${reason} (${key}) in ${lang}`).toBeTruthy()
        expect(placeholders(text), `${reason} (${key}) in ${lang}`).toEqual(placeholders(en))
        if (lang !== 'en') expect(text, `${reason} (${key}) in ${lang} is still English`).not.toBe(en)
      }
    }
  })

  it('words an error with its values in the reader\'s language, and English readers get the precise message', () => {
    let short: unknown
    try { checkNew('abc') } catch (err) { short = err }
    expect((short as Error).message).toBe('The password must have at least 8 characters.')
    expect(errorText(short, adminTranslator('en'))).toBe('The password must have at least 8 characters.')
    expect(errorText(short, adminTranslator('es'))).toBe('La contraseña debe tener al menos 8 caracteres.')
    expect(errorText(short, adminTranslator('fr'))).toBe('Le mot de passe doit comporter au moins 8 caractères.')
    expect(errorText(short, adminTranslator('ar'))).toBe('يجب أن تتكون كلمة المرور من 8 أحرف على الأقل.')

    let key: unknown
    try { parseKey('nonsense') } catch (err) { key = err }
    expect(errorText(key, adminTranslator('es'))).toMatch(/^«nonsense» no es una clave de disco/)
  })

  it('an error without a reason, or with one this version does not know, keeps its English message', () => {
    expect(errorText(new Error('plain'), adminTranslator('ar'))).toBe('plain')
    const foreign = new PortalError('WIFI_FAILED', 'Something new from a newer helper.', { reason: 'fromTheFuture' as ErrorReason })
    expect(errorText(foreign, adminTranslator('fr'))).toBe('Something new from a newer helper.')
  })

  it('coded() takes the English message from the table, so the two cannot drift', () => {
    const err = coded(BAD_REQUEST, 'tooManyFiles', { n: 12 })
    expect(err.message).toBe('Upload at most 12 files at once.')
    expect(err.details).toEqual({ reason: 'tooManyFiles', n: 12 })
    expect(errorText(err, adminTranslator('ar'))).toBe('ارفع 12 ملف على الأكثر في المرة الواحدة.')
  })

  it('the view keeps code and English message for scripts, and adds the reason, its values and the translated text', () => {
    const v = errorView(coded(BAD_REQUEST, 'sizeNoUnit', { n: '16', field: 'maxTotal' }), adminTranslator('es'))
    expect(v).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: '16 has no unit: write 16G for gigabytes or 16M for megabytes.',
      reason: 'sizeNoUnit',
      params: { n: '16', field: 'maxTotal' },
      text: '16 no tiene unidad: escribe 16G para gigabytes o 16M para megabytes.'
    })
    const internal = errorView(new Error('secret stack detail'), adminTranslator('fr'))
    expect(internal.message).not.toMatch(/secret/)
    expect(internal.text).toBe(ADMIN_STRINGS.fr.errInternal)
  })

  it('an update refused for its code reads in the organiser\'s language, as an error or as the watcher kept it', () => {
    const older = new UpdateError('RELEASE_DOWNGRADE', 'Release 1.0.0 is older than the running 1.2.0: updates never go back silently.', { version: '1.0.0', running: '1.2.0' })
    expect(errorText(older, adminTranslator('en'))).toBe(older.message)
    expect(errorText(older, adminTranslator('fr'))).toBe('Cette version n’est pas plus récente que celle en service : les mises à jour ne font qu’avancer.')
    expect(keptErrorText(older.message, undefined, adminTranslator('ar'), 'RELEASE_DOWNGRADE')).toBe('هذا الإصدار ليس أحدث من الإصدار العامل: التحديثات تتقدم فقط.')
    expect(keptErrorText('Something else.', undefined, adminTranslator('es'), 'NOT_AN_UPDATE_CODE')).toBe('Something else.')
  })

  it('a reason crosses the Wi-Fi helper\'s socket as plain values only', () => {
    const err = WIFI_FAILED('x', { reason: 'wifiJoinRefused', ssid: 'Café', seconds: 45, exitCode: 3, nested: { no: 1 } })
    expect(plainDetails(JSON.parse(JSON.stringify(err.details)))).toEqual({ reason: 'wifiJoinRefused', ssid: 'Café', seconds: 45, exitCode: 3 })
    expect(plainDetails('nonsense')).toEqual({})
  })
})
