// Pages seen before logging in: first-time setup (on the node itself only), login, and "not set up yet".
import { html } from './html.js'
import { csrfField } from './admin-layout.js'
import { MIN_LENGTH } from './admin-password.js'

export function setupBody (csrf: string) {
  return html`<h1>Set the organiser password</h1>
<section><p>No admin password is set yet. You are on the node itself, so you can set it now.
Anyone who knows it can publish, delete and block drives and change Wi-Fi, so choose one that is hard to guess.</p>
<form method="post" action="/admin/setup">${csrfField(csrf)}
<label>Password (at least ${MIN_LENGTH} characters)<br><input type="password" name="password" minlength="${MIN_LENGTH}" required autocomplete="new-password"></label>
<label>Again<br><input type="password" name="confirm" minlength="${MIN_LENGTH}" required autocomplete="new-password"></label>
<p><button>Set password and log in</button></p></form></section>`
}

export function notSetBody () {
  return html`<h1>Admin is not set up</h1>
<section><p>No admin password is set on this node, and for safety it cannot be set from another device.</p>
<ul><li>On the node itself, open <code>http://localhost/admin</code> (or its port), or</li>
<li>put the password in a file and start the node with <code>admin-password-file = /path/to/file</code>
(on the appliance image: in the config file on the boot partition), then restart it.</li></ul></section>`
}

export function loginBody (csrf: string, next: string) {
  return html`<h1>Organiser login</h1>
<section><form method="post" action="/admin/login">${csrfField(csrf)}
<input type="hidden" name="next" value="${next}">
<label>Password<br><input type="password" name="password" required autofocus autocomplete="current-password"></label>
<p><button>Log in</button></p></form></section>`
}

export function errorBody (status: number, message: string, back: string) {
  return html`<h1>${status === 429 ? 'Please wait' : status >= 500 ? 'Something went wrong' : 'That did not work'}</h1>
<section><p>${message}</p><p><a href="${back}">Back</a></p></section>`
}

export function passwordBody (csrf: string, fromFile: boolean) {
  return html`<h1>Change the password</h1>
<section>${fromFile ? html`<p class="note">This node was started with an admin password file: at the next start, the password in that file applies again.</p>` : ''}
<form method="post" action="/admin/password">${csrfField(csrf)}
<label>Current password<br><input type="password" name="current" required autocomplete="current-password"></label>
<label>New password (at least ${MIN_LENGTH} characters)<br><input type="password" name="password" minlength="${MIN_LENGTH}" required autocomplete="new-password"></label>
<label>New password again<br><input type="password" name="confirm" minlength="${MIN_LENGTH}" required autocomplete="new-password"></label>
<p><button>Change password</button></p></form></section>`
}
