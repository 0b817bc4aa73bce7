// The raw TCP anchor: copies a folder's files over one plain TCP connection and writes them to disk on the
// other side, with no encryption, hashing or protocol beyond a name and a length per file. It is the most a
// copy between the two namespaces can do, so replication is compared with it.
//
//   tcp-copy.ts recv PORT DIR        prints "listening", then one JSON line when the sender has closed
//   tcp-copy.ts send HOST PORT DIR
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { once } from 'node:events'
import { procStats } from './proc-stats.js'

async function listFiles (dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const d of await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const name = path.posix.join(rel, d.name)
    if (d.isDirectory()) out.push(...await listFiles(dir, name))
    else if (d.isFile()) out.push(name)
  }
  return out.sort()
}

async function send (host: string, port: number, dir: string): Promise<void> {
  const socket = net.connect({ host, port })
  socket.setNoDelay(true)
  await once(socket, 'connect')
  const write = async (buf: Buffer) => { if (!socket.write(buf)) await once(socket, 'drain') }
  for (const name of await listFiles(dir)) {
    const file = path.join(dir, name)
    const size = fs.statSync(file).size
    const nameBuf = Buffer.from(name)
    const head = Buffer.alloc(2 + nameBuf.length + 8)
    head.writeUInt16BE(nameBuf.length, 0)
    nameBuf.copy(head, 2)
    head.writeBigUInt64BE(BigInt(size), 2 + nameBuf.length)
    await write(head)
    // Small files in one read: a stream per 10 KiB file would make the anchor measure Node's stream set-up.
    if (size <= 1 << 20) await write(fs.readFileSync(file))
    else for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) await write(chunk as Buffer)
  }
  socket.end()
  await once(socket, 'close')
}

async function recv (port: number, dir: string): Promise<void> {
  const server = net.createServer()
  server.listen(port, '0.0.0.0')
  await once(server, 'listening')
  console.log('listening')
  const [socket] = await once(server, 'connection') as [net.Socket]
  server.close()
  const started = Date.now()
  const before = procStats(process.pid)
  let pending: Buffer = Buffer.alloc(0)
  let fd = -1
  let left = 0
  let files = 0
  let bytes = 0
  const made = new Set<string>()
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    let buf: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk
    pending = Buffer.alloc(0)
    while (buf.length) {
      if (fd >= 0) {
        const n = Math.min(left, buf.length)
        fs.writeSync(fd, buf, 0, n)
        left -= n
        bytes += n
        buf = buf.subarray(n)
        if (left === 0) { fs.closeSync(fd); fd = -1; files++ }
        continue
      }
      if (buf.length < 2) { pending = buf; break }
      const nameLen = buf.readUInt16BE(0)
      if (buf.length < 2 + nameLen + 8) { pending = buf; break }
      const name = buf.subarray(2, 2 + nameLen).toString()
      left = Number(buf.readBigUInt64BE(2 + nameLen))
      buf = buf.subarray(2 + nameLen + 8)
      const target = path.join(dir, name)
      const parent = path.dirname(target)
      if (!made.has(parent)) { fs.mkdirSync(parent, { recursive: true }); made.add(parent) }
      fd = fs.openSync(target, 'w')
      if (left === 0) { fs.closeSync(fd); fd = -1; files++ }
    }
  }
  const ms = Date.now() - started
  const after = procStats(process.pid)
  console.log(JSON.stringify({ ms, files, bytes, cpuMs: after.cpuMs - before.cpuMs, peakRssBytes: after.peakRssBytes }))
}

const [mode, ...args] = process.argv.slice(2)
if (mode === 'send') await send(args[0], Number(args[1]), args[2])
else if (mode === 'recv') await recv(Number(args[0]), args[1])
else { console.error('usage: tcp-copy.ts recv PORT DIR | send HOST PORT DIR'); process.exitCode = 2 }
