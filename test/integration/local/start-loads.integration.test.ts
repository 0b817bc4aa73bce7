// What a node loads before READY=1 is most of how long its start takes (bench/README.md, "Start, sixth pass"):
// modules that only answering a request needs are loaded when the first request needs them. Watched from inside
// the node as shipped (the #! line's flags), through the one seam Node has for it, Module._load.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { freePort } from '../../helpers/free-port.js'
import { CLI, SHIPPED_ENV, SHIPPED_FLAGS } from '../../helpers/shipped-node.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'

// Printed by the node for every require() of these, in order with its own log lines.
const WATCHED = ['assert', 'node:assert', 'mime-db']
const WATCH = `
const Module = require('node:module')
const load = Module._load
const watched = new Set(${JSON.stringify(WATCHED)})
Module._load = function (request, parent, isMain) {
  if (watched.has(request)) process.stdout.write('[watch] loads ' + request + ' for ' + (parent && parent.filename) + '\\n')
  return load.call(this, request, parent, isMain)
}
`

let node: ChildProcess
let base: string
const lines: string[] = []

beforeAll(async () => {
  const dir = await tempDir('p2p-start-loads-')
  const folder = path.join(dir, 'share')
  fs.mkdirSync(folder)
  fs.writeFileSync(path.join(folder, 'clip.webm'), Buffer.alloc(3000, 1))
  fs.writeFileSync(path.join(folder, 'notes.txt'), 'Café, مرحبا\n')
  fs.writeFileSync(path.join(dir, 'watch.cjs'), WATCH)
  const [port, contentPort, replicationPort] = [await freePort(), await freePort(), await freePort()]
  base = `http://127.0.0.1:${port}`
  node = spawn(process.execPath, ['--require', path.join(dir, 'watch.cjs'), ...SHIPPED_FLAGS, CLI, 'start', '--data', path.join(dir, 'data'), '--host', '127.0.0.1',
    '--port', String(port), '--content-port', String(contentPort), '--replication-port', String(replicationPort), '--no-internet', '--mdns-interfaces', 'lo',
    '--share', folder, '--log-level', 'info'], { env: { ...process.env, ...SHIPPED_ENV } })
  let rest = ''
  // One stream, so the watch lines and the log lines keep their order.
  node.stdout!.on('data', (d) => { rest += d; const parts = rest.split('\n'); rest = parts.pop()!; lines.push(...parts) })
  node.stderr!.on('data', (d) => lines.push(...String(d).split('\n').filter(Boolean)))
  await until(() => lines.some(l => / ready in /.test(l)) || node.exitCode !== null, { timeout: 60_000, what: 'the node to start' })
  expect(node.exitCode, lines.join('\n')).toBeNull()
})

afterAll(async () => {
  if (node && node.exitCode === null && node.signalCode === null) node.kill('SIGKILL')
  await removeTempDirs()
})

describe('a node\'s start', () => {
  it('loads neither Node\'s assert module (sodium-native gets nanoassert) nor the MIME database before READY=1', () => {
    const ready = lines.findIndex(l => / ready in /.test(l))
    expect(lines.slice(0, ready).filter(l => l.startsWith('[watch]'))).toEqual([])
  })

  it('loads the MIME database when an answer first needs a type, and types files by it', async () => {
    const drive = await until(async () => {
      const status = await (await fetch(`${base}/api/status`)).json() as { drives: Array<{ own: boolean, key: string, files: number, importing: unknown }> }
      const own = status.drives.find(d => d.own)
      return own && own.files === 2 && own.importing === null ? own : null
    }, { timeout: 60_000, what: 'the shared folder published' })
    const clip = await fetch(`${base}/d/${drive.key}/clip.webm`)
    expect(clip.status).toBe(200)
    expect(clip.headers.get('content-type')).toMatch(/^video\/webm/)
    await clip.arrayBuffer()
    const notes = await fetch(`${base}/d/${drive.key}/notes.txt`)
    expect(notes.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await notes.text()).toBe('Café, مرحبا\n')
    expect(lines.filter(l => l.startsWith('[watch] loads mime-db'))).toHaveLength(1)
  })
})
