// The Updates page words the reasons the release watcher and the helper keep in English (for the journal and
// /api/status) in the organiser's language.
import { describe, it, expect } from 'vitest'
import { updatesBody, type UpdatesView } from '../../web/admin/updates-page.js'
import { adminTranslator } from '../../web/i18n/admin-language.js'
import { DEFAULT_UPDATE_POLICY } from '../../services/update/update-window.js'

const refused: UpdatesView = {
  running: '1.2.0',
  update: {
    current: '1.2.0',
    available: '1.1.0',
    state: 'refused',
    lastResult: { at: 0, version: '1.1.0', outcome: 'refused', code: 'RELEASE_DOWNGRADE', reason: 'Release 1.1.0 is not newer than the running 1.2.0.', source: 'usb' }
  },
  appliance: null,
  policy: DEFAULT_UPDATE_POLICY,
  csrf: 'x'
}

describe('the Updates page', () => {
  it('says why a release was refused in the organiser\'s language, by its code', () => {
    const es = String(updatesBody(adminTranslator('es'), refused))
    expect(es).toContain('Esta versión no es más nueva que la que está en marcha')
    expect(es).not.toContain('is not newer')
  })

  it('keeps the precise English reason for an English reader', () => {
    expect(String(updatesBody(adminTranslator('en'), refused))).toContain('Release 1.1.0 is not newer than the running 1.2.0.')
  })
})
