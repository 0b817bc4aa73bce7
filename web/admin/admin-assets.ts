// The admin page's stylesheet and its one script, served from the node (no CDN: the node is often offline).
// The script only adds upload progress; every form works without it.

export const ADMIN_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f5f6f8}
header{background:#1d3557;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header a{color:#fff}
header nav{display:flex;gap:1rem;flex-wrap:wrap;flex:1}
header form{margin:0}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
section{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:.8rem 1rem;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #eceef2;vertical-align:top}
td.num{text-align:right;white-space:nowrap}
.key{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all}
.flash{padding:.6rem 1rem;border-radius:6px;margin:0 0 1rem}
.flash.ok{background:#e3f4e8;border:1px solid #9fd4ae}
.flash.error{background:#fdeaea;border:1px solid #eaa6a6}
.note{color:#5a6472;font-size:.9rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
label{display:block;font-size:.9rem;margin:.3rem 0}
input[type=text],input[type=password],input[type=number],textarea,select{font:inherit;padding:.35rem .5rem;border:1px solid #b9c0ca;border-radius:5px;max-width:100%}
textarea{width:100%}
button{font:inherit;padding:.35rem .8rem;border-radius:5px;border:1px solid #1d3557;background:#1d3557;color:#fff;cursor:pointer}
button.quiet{background:#fff;color:#1d3557}
button.danger{background:#b3261e;border-color:#b3261e}
form.inline{display:inline}
progress{width:100%;height:1.1rem}
.bar{background:#eceef2;border-radius:4px;height:.6rem;min-width:5rem}
.bar>span{display:block;height:100%;background:#2a9d8f;border-radius:4px}
@media (max-width:40rem){th.opt,td.opt{display:none}}
`

export const ADMIN_JS = `
// Upload progress: sends the same form with XMLHttpRequest and shows how much has gone.
document.querySelectorAll('form[data-upload]').forEach(function (form) {
  var bar = form.querySelector('progress')
  var status = form.querySelector('[data-status]')
  form.addEventListener('submit', function (ev) {
    if (!window.FormData || !window.XMLHttpRequest) return
    ev.preventDefault()
    var xhr = new XMLHttpRequest()
    xhr.open('POST', form.action)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('X-CSRF-Token', form.querySelector('input[name=_csrf]').value)
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return
      bar.hidden = false
      bar.max = e.total
      bar.value = e.loaded
      status.textContent = Math.floor(e.loaded * 100 / e.total) + '% sent'
    }
    xhr.onload = function () {
      var res = {}
      try { res = JSON.parse(xhr.responseText) } catch (e) {}
      if (xhr.status >= 200 && xhr.status < 300) {
        status.textContent = 'Done: ' + res.files.length + ' file(s) published.'
        setTimeout(function () { location.reload() }, 600)
      } else {
        status.textContent = (res.error && res.error.message) || ('Upload failed (' + xhr.status + ')')
      }
    }
    xhr.onerror = function () { status.textContent = 'The connection to the node was lost during the upload.' }
    status.textContent = 'Starting…'
    xhr.send(new FormData(form))
  })
})
document.querySelectorAll('[data-confirm]').forEach(function (el) {
  el.addEventListener('submit', function (ev) { if (!confirm(el.getAttribute('data-confirm'))) ev.preventDefault() })
})
`
