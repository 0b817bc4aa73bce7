import { describe, it, expect } from 'vitest'
import { fromAcceptLanguage, cookieLang, translator } from '../../web/i18n/language.js'
import { STRINGS, LANGUAGES } from '../../web/i18n/strings.js'

describe('language choice', () => {
  it('takes the best supported language by q-value, then by order', () => {
    expect(fromAcceptLanguage('de-DE,de;q=0.9,fr;q=0.8,es;q=0.9')).toBe('es')
    expect(fromAcceptLanguage('ar-MA')).toBe('ar')
    expect(fromAcceptLanguage('de, ja')).toBeNull()
    expect(fromAcceptLanguage('fr;q=0, en;q=0.1')).toBe('en')
    expect(fromAcceptLanguage(undefined)).toBeNull()
    expect(fromAcceptLanguage('x'.repeat(100_000))).toBeNull()
  })

  it('reads only a well-formed lang cookie', () => {
    expect(cookieLang('a=1; lang=fr; b=2')).toBe('fr')
    expect(cookieLang('lang=zz')).toBeNull()
    expect(cookieLang('xlang=fr')).toBeNull()
  })

  it('has every string in every language, with the same placeholders', () => {
    for (const lang of LANGUAGES) {
      for (const [k, v] of Object.entries(STRINGS.en)) {
        const other = (STRINGS[lang] as Record<string, string>)[k]
        expect(other, `${lang}.${k}`).toBeTruthy()
        expect((other.match(/\{\w+\}/g) ?? []).sort(), `${lang}.${k}`).toEqual((v.match(/\{\w+\}/g) ?? []).sort())
      }
    }
  })

  it('fills placeholders and gives Arabic right-to-left', () => {
    expect(translator('fr').t('files', { n: 3 })).toBe('3 fichiers')
    expect(translator('ar').dir).toBe('rtl')
    expect(translator('es').dir).toBe('ltr')
  })
})
