// The captive welcome page as the visitor's own phone shows it, before and after "Continue".
import { describe, it, expect } from 'vitest'
import { welcomePage } from '../../web/captive/welcome-page.js'
import { translator } from '../../web/i18n/language.js'

const page = (lang: 'en' | 'es' | 'fr' | 'ar', accepted: boolean) =>
  welcomePage(translator(lang), { name: 'Village Library', url: 'http://10.42.0.1/', qr: '<svg></svg>', accepted })

describe('the captive welcome page', () => {
  it('before Continue: a form to continue, and no claim of being connected yet', () => {
    const html = page('en', false)
    expect(html).toContain('<form method="post" action="/welcome">')
    expect(html).not.toContain('You are connected')
  })

  it('after Continue: says what happens next and leads into the library', () => {
    const html = page('en', true)
    expect(html).not.toContain('<form method="post"')
    expect(html).toContain('You are connected.')
    expect(html).toMatch(/no Internet: stay connected/)
    expect(html).toContain('<a class="btn" href="/">Open the library</a>')
  })

  it('presents the QR code as something to show another phone, not to scan with this one', () => {
    for (const lang of ['en', 'es', 'fr', 'ar'] as const) {
      const html = page(lang, false)
      expect(html).not.toMatch(/scan this code with the camera|escanea este código con la cámara|scannez ce code avec l’appareil photo|امسح هذا الرمز بالكاميرا/)
    }
    expect(page('en', false)).toContain('show this code to someone nearby')
  })
})
