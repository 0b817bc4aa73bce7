// Anchor for bench/http: the least a Node HTTP server can do per request — node:http answering from files read
// into memory at start, with the same kind of headers the portal sends. Its figures are Node's own ceiling here.
//   node --import tsx bench/lib/bare-http-server.ts PORT DIR
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'

const [port, dir] = [Number(process.argv[2]), process.argv[3]]
const files = new Map<string, Buffer>()
for (const name of fs.readdirSync(dir)) files.set('/' + name, fs.readFileSync(path.join(dir, name)))

http.createServer((req, res) => {
  const body = files.get(req.url ?? '')
  if (!body) { res.writeHead(404).end(); return }
  res.writeHead(200, ['Accept-Ranges', 'bytes', 'ETag', '"0-0-' + body.length + '"', 'X-Content-Type-Options', 'nosniff',
    'Cache-Control', 'no-cache', 'Content-Type', 'application/octet-stream', 'Content-Length', String(body.length)])
  res.end(body)
}).listen(port, '127.0.0.1', () => console.log('listening'))
