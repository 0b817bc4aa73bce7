// A node with a large --share folder listens at once and imports in the background, showing its progress in
// /api/status; the watchdog never waits for an import.
import { describe, it, expect, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

let t: TestNode | null = null
let release = () => { /* replaced by each test that holds the import */ }
afterAll(async () => { release(); await t?.close(); await removeTempDirs() })

/** Reads files as usual, except that the first one read waits until the test releases it. */
function gatedReader () {
  let reached!: () => void
  const reachedP = new Promise<void>((resolve) => { reached = resolve })
  const gate = new Promise<void>((resolve) => { release = resolve })
  let first = true
  const read = (file: string): Readable => {
    if (!first) return fs.createReadStream(file)
    first = false
    reached()
    return Readable.from((async function * () { await gate; yield * fs.createReadStream(file) })())
  }
  return { read, reached: reachedP }
}

function within<T> (ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer!: NodeJS.Timeout
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

describe('a node started with --share', () => {
  it('answers /api/status while the first import runs, shows its progress, and finishes it in the background', async () => {
    const dir = path.join(await tempDir('p2p-import-'), 'archive')
    fs.mkdirSync(dir)
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, `file-${i}.bin`), Buffer.alloc(1000 + i, i))
    const { read, reached } = gatedReader()
    const starting = startTestNode([['share', dir]], { readShared: read })
    await within(10_000, 'the import to start', reached)
    t = await within(10_000, 'the node to open while its import waits', starting)

    const res = await fetch(`${t.url}/api/status`)
    expect(res.status).toBe(200)
    const drive = (await res.json()).drives.find((d: any) => d.title === 'archive')
    expect(drive.importing).toEqual({ files: 5, done: 0, finalBytes: 5 * 1000 + 10 })

    release()
    const done = await until(async () => {
      const d = (await (await fetch(`${t!.url}/api/status`)).json()).drives.find((x: any) => x.title === 'archive')
      return d.importing === null && d.files === 5 && d
    }, { what: 'the import to finish' })
    expect(done.bytes).toBe(5 * 1000 + 10)
  })
})
