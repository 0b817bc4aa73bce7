// The admin page's stylesheet and its one script, served from the node (no CDN: the node is often offline).
// The script only adds upload progress; every form works without it.

import { PORTAL_CSS } from '../assets/portal-css.js'

// The visitor portal's stylesheet (palette, dark mode, right-to-left, touch-sized controls) plus the few
// things only the admin page has: tables, forms, flash messages.
export const ADMIN_CSS = PORTAL_CSS + `
.top nav{display:flex;gap:14px;flex-wrap:wrap;flex:1 1 auto}
.top form{margin:0}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:10px 14px;margin:0 0 14px}
h3{font-size:1rem;margin:14px 0 6px}
table{border-collapse:collapse;width:100%}
th,td{text-align:start;padding:6px;border-bottom:1px solid var(--line);vertical-align:top}
td.num{text-align:end;white-space:nowrap}
.key{font-family:ui-monospace,monospace;font-size:.8rem;overflow-wrap:anywhere;color:var(--muted)}
.flash{padding:10px 14px;border-radius:8px;margin:10px 0;border:1px solid var(--line)}
.flash.ok{border-color:#2a9d8f}
.flash.error{border-color:#b3261e}
.field-error{display:block;color:#b3261e;font-size:.9rem;margin:2px 0 6px}
@media (prefers-color-scheme:dark){.field-error{color:#ffb4ab}}
.top .site,td,li{overflow-wrap:anywhere}
th{overflow-wrap:normal;word-break:keep-all}
.top form.logout{margin-inline-start:auto}
.crumbs{margin:4px 0 8px;overflow-wrap:anywhere}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:end}
label{display:block;font-size:.9rem;margin:6px 0}
textarea,select{font:inherit;border:1px solid var(--muted);border-radius:8px;padding:6px 10px;background:var(--bg);color:var(--fg);max-width:100%}
textarea{width:100%}
input[type=file]{border:0;padding:6px 0;max-width:100%}
main input[type=text],main input[type=password]{width:100%;max-width:36rem}
.row label{flex:1 1 10rem}
details{margin:4px 0}
summary{cursor:pointer;color:var(--accent);font-size:.9rem}
button.quiet{background:transparent;color:var(--accent);border:1px solid var(--accent)}
button.danger{background:#b3261e;color:#fff}
form.inline{display:inline}
fieldset{border:0;padding:0;margin:6px 0}
label.choice{display:flex;align-items:center;gap:8px;min-height:44px}
label.choice input{min-height:0;width:1.25rem;height:1.25rem;margin:0}
progress{width:100%;height:14px}
td meter{min-width:5rem}
@media (max-width:40rem){th.opt,td.opt{display:none}}
`

export const ADMIN_JS = `
// Upload progress: sends the same form with XMLHttpRequest and shows how much has gone.
document.querySelectorAll('form[data-upload]').forEach(function (form) {
  var bar = form.querySelector('progress')
  var status = form.querySelector('[data-status]')
  var button = form.querySelector('button')
  // The page's words, in the organiser's language, come in the form's data- attributes.
  var say = function (name, n) { return (form.getAttribute('data-' + name) || '').replace('{n}', n) }
  // While the bytes go out, leaving the page would cut the upload half-way: the browser asks first.
  var stay = function (ev) { ev.preventDefault(); ev.returnValue = say('still'); return ev.returnValue }
  var finished = function () { busy = false; button.disabled = false; window.removeEventListener('beforeunload', stay) }
  var busy = false
  form.addEventListener('submit', function (ev) {
    // A second press while the first upload runs would publish the same files twice.
    if (busy) { ev.preventDefault(); return }
    if (!window.FormData || !window.XMLHttpRequest) { busy = true; button.disabled = true; return }
    ev.preventDefault()
    busy = true
    button.disabled = true
    window.addEventListener('beforeunload', stay)
    var xhr = new XMLHttpRequest()
    xhr.open('POST', form.action)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('X-CSRF-Token', form.querySelector('input[name=_csrf]').value)
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return
      bar.hidden = false
      bar.max = e.total
      bar.value = e.loaded
      status.textContent = say('sent', Math.floor(e.loaded * 100 / e.total))
    }
    xhr.onload = function () {
      var res = {}
      try { res = JSON.parse(xhr.responseText) } catch (e) {}
      finished()
      if (xhr.status >= 200 && xhr.status < 300) {
        status.textContent = say('done', res.files.length)
        setTimeout(function () { location.reload() }, 600)
      } else {
        status.textContent = (res.error && res.error.message) || say('failed', xhr.status)
      }
    }
    xhr.onerror = function () { finished(); status.textContent = say('lost') }
    status.textContent = say('starting')
    xhr.send(new FormData(form))
  })
})
// Sync progress and peers on the overview, refreshed every 3 s while the page is open.
if (document.querySelector('[data-sync],[data-peers]') && window.fetch) {
  var mb = function (n) { return n < 1048576 ? Math.round(n / 1024) + ' KB' : (n / 1048576).toFixed(1) + ' MB' }
  setInterval(function () {
    if (document.hidden) return
    fetch('/admin/status.json', { headers: { Accept: 'application/json' } }).then(function (r) { return r.ok ? r.json() : null }).then(function (s) {
      if (!s) return
      var peers = document.querySelector('[data-peers]')
      if (peers) peers.textContent = s.peers.length + ' connected'
      s.drives.forEach(function (d) {
        var cell = document.querySelector('[data-sync="' + d.key + '"]')
        if (!cell) return
        var pct = d.bytes ? Math.min(100, Math.floor(d.localBytes * 100 / d.bytes)) : (d.complete ? 100 : 0)
        cell.querySelector('meter').value = pct
        cell.querySelector('span').textContent = pct + '% of ' + mb(d.bytes)
      })
    }).catch(function () {})
  }, 3000)
}
// USB copies in progress: the page reloads itself until they are done.
if (document.querySelector('[data-refresh]')) setTimeout(function () { location.reload() }, 2000)
document.querySelectorAll('[data-confirm]').forEach(function (el) {
  el.addEventListener('submit', function (ev) { if (!confirm(el.getAttribute('data-confirm'))) ev.preventDefault() })
})
`
