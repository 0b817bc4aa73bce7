// Runs inside a namespace: fetches files from a node and prints {path: {status, bytes, sha256}} as JSON.
// Usage: node fetch-files.mjs BASE_URL KEY PATHS_JSON_FILE
import crypto from 'node:crypto'
import fs from 'node:fs'

const [base, key, listFile] = process.argv.slice(2)
const paths = JSON.parse(fs.readFileSync(listFile, 'utf8'))
const out = {}
let next = 0
async function worker () {
  while (next < paths.length) {
    const p = paths[next++]
    try {
      const res = await fetch(`${base}/d/${key}${p.split('/').map(encodeURIComponent).join('/')}`, { signal: AbortSignal.timeout(20000) })
      const hash = crypto.createHash('sha256')
      let bytes = 0
      for await (const chunk of res.body) { hash.update(chunk); bytes += chunk.length }
      out[p] = { status: res.status, bytes, sha256: hash.digest('hex') }
    } catch (err) {
      out[p] = { status: 0, error: String(err) }
    }
  }
}
await Promise.all(Array.from({ length: 8 }, worker))
process.stdout.write(JSON.stringify(out))
