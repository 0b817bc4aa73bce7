// Runs inside a node's namespace (the bench process cannot reach it) and publishes one generated file through
// the admin page like a browser: log in, create a drive, POST the multipart upload with the page's CSRF token.
//   upload-client.ts URL PASSWORD BYTES [TITLE]
// Prints one JSON line: {"key", "status", "ms", "files"}. The body is generated as it is sent (nothing buffered).
import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import { AdminClient } from './admin-client.js'

const [url, password, bytesArg, title = 'Upload'] = process.argv.slice(2)
const total = Number(bytesArg)
const CHUNK = 64 * 1024

const admin = new AdminClient(url)
const login = await admin.login(password)
if (login.status !== 303) throw new Error(`login answered ${login.status}`)
await admin.get('/admin')
const created = await admin.post('/admin/drives', { title, description: 'bench upload' }, { accept: 'application/json' })
const key = created.json().key as string
await admin.get(`/admin/drives/${key}`)

// Incompressible and different per chunk, as a video is; cheap to make (one random pattern, counter-stamped).
const pattern = crypto.randomBytes(CHUNK)
let sent = 0
const source = new Readable({
  read () {
    if (sent >= total) { this.push(null); return }
    const n = Math.min(CHUNK, total - sent)
    const chunk = Buffer.from(pattern.subarray(0, n))
    chunk.writeUInt32BE(sent / CHUNK, 0)
    sent += n
    this.push(chunk)
  }
})
const started = Date.now()
const res = await admin.upload(`/admin/drives/${key}/upload`, [['_csrf', admin.csrf]], [{ name: 'video.mp4', source }])
process.stdout.write(JSON.stringify({ key, status: res.status, ms: Date.now() - started, body: res.body.slice(0, 300) }) + '\n')
