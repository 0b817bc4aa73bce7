// Pages seen before logging in: first-time setup (on the node itself only), login, and "not set up yet".
import { html } from './html.js'
import { csrfField } from './admin-layout.js'
import { MIN_LENGTH } from './admin-password.js'
import type { AdminTranslator } from '../i18n/admin-language.js'
import { fieldError, invalid, type FormState } from './form-state.js'

type T = AdminTranslator['t']

export function setupBody (t: T, csrf: string, f?: FormState) {
  return html`<h1>${t('setupTitle')}</h1>
<section><p>${t('setupText')}</p>
<form method="post" action="/admin/setup">${csrfField(csrf)}
<label>${t('passwordMin', { n: MIN_LENGTH })}<br><input type="password" name="password" minlength="${MIN_LENGTH}" required autocomplete="new-password"${invalid(f, 'setup', 'password')}></label>${fieldError(f, 'setup', 'password')}
<label>${t('again')}<br><input type="password" name="confirm" minlength="${MIN_LENGTH}" required autocomplete="new-password"${invalid(f, 'setup', 'confirm')}></label>${fieldError(f, 'setup', 'confirm')}
<p><button>${t('setupButton')}</button></p></form></section>`
}

export function notSetBody (t: T) {
  return html`<h1>${t('notSetTitle')}</h1>
<section><p>${t('notSetText')}</p>
<ul><li>${t('notSetLocal')} <code>http://localhost/admin</code></li>
<li>${t('notSetFile')} <code>admin-password-file = /path/to/file</code></li></ul></section>`
}

export function loginBody (t: T, csrf: string, next: string, f?: FormState) {
  return html`<h1>${t('loginTitle')}</h1>
<section><form method="post" action="/admin/login">${csrfField(csrf)}
<input type="hidden" name="next" value="${next}">
<label>${t('password')}<br><input type="password" name="password" required autofocus autocomplete="current-password"${invalid(f, 'login', 'password')}></label>${fieldError(f, 'login', 'password')}
<p><button>${t('loginButton')}</button></p></form></section>`
}

export function errorBody (t: T, status: number, message: string, back: string) {
  return html`<h1>${status === 429 ? t('pleaseWait') : status >= 500 ? t('wentWrong') : t('didNotWork')}</h1>
<section><p>${message}</p><p><a href="${back}">${t('back')}</a></p></section>`
}

export function passwordBody (t: T, csrf: string, fromFile: boolean, f?: FormState) {
  return html`<h1>${t('changePassword')}</h1>
<section>${fromFile ? html`<p class="note">${t('passwordFromFile')}</p>` : ''}
<form method="post" action="/admin/password">${csrfField(csrf)}
<label>${t('currentPassword')}<br><input type="password" name="current" required autocomplete="current-password"${invalid(f, 'password', 'current')}></label>${fieldError(f, 'password', 'current')}
<label>${t('newPasswordMin', { n: MIN_LENGTH })}<br><input type="password" name="password" minlength="${MIN_LENGTH}" required autocomplete="new-password"${invalid(f, 'password', 'password')}></label>${fieldError(f, 'password', 'password')}
<label>${t('newPasswordAgain')}<br><input type="password" name="confirm" minlength="${MIN_LENGTH}" required autocomplete="new-password"${invalid(f, 'password', 'confirm')}></label>${fieldError(f, 'password', 'confirm')}
<p><button>${t('changePasswordButton')}</button></p></form></section>`
}
