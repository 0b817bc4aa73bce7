// Updates: the running version, the update waiting (notes, size), installs so far, and the organiser's choices
// (install now, go back, automatic in a quiet window or manual). Plain forms, no JavaScript needed.
import { html, type Html } from './html.js'
import { csrfField } from './admin-layout.js'
import { fieldError, invalid, typed, type FormState } from './form-state.js'
import { formatSize } from '../../services/config/size.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import { keptErrorText } from '../i18n/error-text.js'
import type { AdminKey } from '../i18n/admin-strings.js'
import type { UpdateStatus } from '../../services/update/release-watcher.js'
import type { UpdaterStatus } from '../../services/update/parse-updater-request.js'
import type { HistoryEvent } from '../../services/update/update-state.js'
import type { InstallPhase } from '../../services/update/release-installer.js'
import type { UpdatePolicy } from '../../services/update/update-window.js'

export interface UpdatesView {
  running: string
  update: UpdateStatus | null
  /** Null on a laptop (no helper configured). */
  appliance: { helper: UpdaterStatus | null, error: string | null } | null
  policy: UpdatePolicy
  csrf: string
}

const PHASE: Record<InstallPhase, AdminKey> = { checking: 'updPhaseChecking', staging: 'updPhaseStaging', probation: 'updPhaseProbation', 'rolling-back': 'updPhaseRollingBack' }
const EVENT: Record<HistoryEvent, AdminKey> = { installed: 'updEvInstalled', 'rolled-back': 'updEvRolledBack', refused: 'updEvRefused', recovered: 'updEvRecovered', 'went-back': 'updEvWentBack' }

export function updatesBody (tr: AdminTranslator, v: UpdatesView, f?: FormState): Html {
  const { t } = tr
  const u = v.update
  const why = (r: Reason) => reasonText(tr, r)
  const staged = v.appliance?.helper?.offered ?? null
  const status = u === null || u.available === null
    ? (staged !== null ? html`<p>${t('updAvailable', { version: staged.version })}</p>` : html`<p>${t('updNone')}</p>`)
    : u.state === 'downloading' ? html`<p>${t('updDownloading', { version: u.available })}</p>`
      : u.state === 'rolled-back' ? html`<p class="field-error">${t('updRolledBack', { version: u.available, reason: why(u.lastResult) })}</p>`
        : u.state === 'refused' ? html`<p class="field-error">${t('updRefused', { version: u.available, reason: why(u.lastResult) })}</p>`
          : html`<p>${t('updAvailable', { version: u.available })}</p>`
  return html`<h1>${t('navUpdates')}</h1>
<section><p>${t('updRunning', { version: v.running })}</p>${status}
${v.appliance === null ? html`<p class="note">${t('updReportOnly')}</p>` : ''}
<p class="note">${t('updFromStick')}</p></section>
${v.appliance === null ? '' : appliance(tr, v, v.appliance, f)}`
}

type Reason = { reason?: string, code?: string } | null | undefined

/** The watcher's and the helper's reasons are kept in English (the journal, /api/status): worded here. */
function reasonText (tr: AdminTranslator, r: Reason): string {
  return r?.reason ? keptErrorText(r.reason, undefined, tr, r.code) : ''
}

function appliance (tr: AdminTranslator, v: UpdatesView, a: NonNullable<UpdatesView['appliance']>, f?: FormState): Html {
  const { t } = tr
  if (a.helper === null) return html`<section><p>${t('updNoHelper')}</p>${a.error ? html`<p class="note">${a.error}</p>` : ''}</section>`
  const h = a.helper
  const step = h.step
  const offered = h.offered
  return html`<section><h2>${t('updInstallNow')}</h2>
${step ? html`<p role="status">${t(step.action === 'install' ? 'updStepInstall' : 'updStepGoBack', { version: step.version, phase: t(PHASE[step.phase]) })}</p>` : ''}
${offered
    ? html`<p>${t('updStaged', { version: offered.version, size: formatSize(offered.size) })}</p>
${offered.notes ? html`<h3>${t('updNotes')}</h3><p class="notes">${offered.notes}</p>` : ''}
${offered.held ? html`<p class="note">${t('updHeld')}</p>` : ''}
<form method="post" action="/admin/updates/install">${csrfField(v.csrf)}<input type="hidden" name="version" value="${offered.version}">
<p><button${invalid(f, 'install', 'version')}${step ? html` disabled` : ''}>${t('updInstallNow')}</button>${fieldError(f, 'install', 'version')}</p>
<p class="note">${t('updInstallNote')}</p></form>`
    : html`<p>${t('updNone')}</p>${fieldError(f, 'install', 'version')}`}
</section>
<section><h2>${t('updGoBack')}</h2>
${h.previous
    ? html`<p>${t('updPrevious', { version: h.previous })}</p>
<form method="post" action="/admin/updates/go-back">${csrfField(v.csrf)}
<p><button class="quiet"${invalid(f, 'go-back', 'confirm')}${step ? html` disabled` : ''}>${t('updGoBack')}</button>${fieldError(f, 'go-back', 'confirm')}</p></form>`
    : html`<p>${t('updNoPrevious')}</p>${fieldError(f, 'go-back', 'confirm')}`}
</section>
<section><h2>${t('updPolicy')}</h2>
<form method="post" action="/admin/updates/policy">${csrfField(v.csrf)}
<fieldset${invalid(f, 'policy', 'mode')}><legend>${t('updPolicy')}</legend>
${(['auto', 'manual'] as const).map(mode => html`<label class="choice"><input type="radio" name="mode" value="${mode}"${typed(f, 'policy', 'mode', v.policy.mode) === mode ? html` checked` : ''}> ${t(mode === 'auto' ? 'updAuto' : 'updManual')}</label>`)}
${fieldError(f, 'policy', 'mode')}</fieldset>
<label>${t('updWindowFrom')}<br><input type="time" name="start" required value="${typed(f, 'policy', 'start', v.policy.start)}"${invalid(f, 'policy', 'start')}></label>${fieldError(f, 'policy', 'start')}
<label>${t('updWindowTo')}<br><input type="time" name="end" required value="${typed(f, 'policy', 'end', v.policy.end)}"${invalid(f, 'policy', 'end')}></label>${fieldError(f, 'policy', 'end')}
<p class="note">${t('updWindowNote')}</p>
<p><button>${t('save')}</button></p></form>
</section>
<section><h2>${t('updHistory')}</h2>
${h.history.length === 0
    ? html`<p>${t('updNoHistory')}</p>`
    : html`<table><tr><th>${t('updWhen')}</th><th>${t('updWhat')}</th><th>${t('version')}</th><th>${t('updWhy')}</th></tr>
${[...h.history].reverse().map(e => html`<tr><td>${e.at.slice(0, 16).replace('T', ' ')}</td><td>${t(EVENT[e.event] ?? 'updEvRecovered')}</td><td>${e.version}${e.from ? html` <span class="note">(${t('updFromVersion', { version: e.from })})</span>` : ''}</td><td>${reasonText(tr, e)}</td></tr>`)}</table>`}
</section>`
}
