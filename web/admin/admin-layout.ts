// The admin page's shell: one column, works at 320 px, no JavaScript needed.
import { html, type Html } from './html.js'
import type { Flash } from './admin-sessions.js'

export interface PageOptions {
  title: string
  body: Html
  csrf?: string
  flash?: Flash | null
  /** Logged in: show the navigation and the logout button. */
  admin?: boolean
  nodeName?: string
}

export function adminPage (o: PageOptions): string {
  return '<!doctype html>\n' + html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${o.title} · p2p-portal admin</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/admin.css">
<script src="/admin/admin.js" defer></script>
</head><body>
<header class="top"><strong class="site">${o.nodeName ?? 'p2p-portal'} · admin</strong>
${o.admin ? html`<nav><a href="/admin">Overview</a><a href="/admin/wifi">Wi-Fi</a><a href="/admin/usb">USB</a><a href="/admin/password">Password</a><a href="/">Portal</a></nav>
<form method="post" action="/admin/logout"><input type="hidden" name="_csrf" value="${o.csrf}"><button class="quiet">Log out</button></form>` : ''}
</header>
<main>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : ''}
${o.body}
</main></body></html>`.text
}

/** A hidden CSRF field: first in every form, so multipart uploads carry it before any file. */
export function csrfField (csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`
}
