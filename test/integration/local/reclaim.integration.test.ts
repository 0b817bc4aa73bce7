// Storage that does not only grow (issue 14 item 6): a --share folder re-imported again and again, one import cut
// off by SIGKILL, must leave the publisher's store and a mirror's store near the size of what the latest version
// holds, with every file of it intact; and a power cut while old blocks are given back loses none of it.
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir, removeTempDirs } from '../../helpers/temp-dir.js'
import { until } from '../../helpers/until.js'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { setLogLevel } from '../../../services/log.js'
import { freePort } from '../../helpers/free-port.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/p2p-portal.js')
const MB = 1024 * 1024
// RocksDB's own files beside the data: write-ahead log, manifest, options, info logs, tables of the metadata.
const OVERHEAD = 16 * MB
const RATIO = 1.2

const procs: ChildProcess[] = []
const mirrors: TestNode[] = []
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  await Promise.all(mirrors.map(m => m.close()))
  await removeTempDirs()
})


/** Bytes a folder takes on disk, as `du` counts them. */
function du (dir: string): number {
  const r = spawnSync('du', ['-sk', dir], { encoding: 'utf8' })
  return Number(r.stdout.split('\t')[0]) * 1024
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

/** A --share publisher as the CLI runs it, on loopback, mirroring nothing of others' (`--mirror followed`). */
class Publisher {
  proc!: ChildProcess
  logs: string[] = []
  constructor (readonly data: string, readonly folder: string, readonly ports: { http: number, content: number, replication: number }) {}

  start (): Promise<void> {
    const { http, content, replication } = this.ports
    this.proc = spawn(process.execPath, [CLI, 'start', '--data', this.data, '--host', '127.0.0.1', '--port', String(http), '--content-port', String(content),
      '--replication-port', String(replication), '--no-internet', '--mdns-interfaces', 'lo', '--mirror', 'followed', '--share', this.folder, '--log-level', 'info'])
    procs.push(this.proc)
    const proc = this.proc
    return new Promise((resolve, reject) => {
      let out = ''
      const seen = (d: Buffer) => {
        out += d
        this.logs.push(...String(d).split('\n').filter(Boolean))
        if (/organiser's page/.test(out)) resolve()
      }
      proc.stdout!.on('data', seen)
      proc.stderr!.on('data', seen)
      proc.once('exit', (code, signal) => reject(new Error(`publisher exited (${code ?? signal}) before it was ready:\n${out}`)))
    })
  }

  kill (): Promise<void> {
    const proc = this.proc
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGKILL') })
  }

  async status (): Promise<any> {
    const r = await fetch(`http://127.0.0.1:${this.ports.http}/api/status`)
    if (r.status !== 200) throw new Error(`status ${r.status}`)
    return await r.json()
  }

  async drive (): Promise<any> { return (await this.status()).drives.find((d: any) => d.own) }

  async file (key: string, name: string): Promise<Buffer> {
    const r = await fetch(`http://127.0.0.1:${this.ports.http}/d/${key}${name.split('/').map(encodeURIComponent).join('/')}`)
    if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status}`)
    return Buffer.from(await r.arrayBuffer())
  }

  /** The drive holds exactly the folder: every import done, figures counted for the live version. */
  settled (files: Map<string, Buffer>): Promise<any> {
    const bytes = [...files.values()].reduce((n, b) => n + b.length, 0)
    return until(async () => {
      const d = await this.drive()
      return d && d.importing === null && d.files === files.size && d.bytes === bytes && d.localBytes === bytes && d
    }, { timeout: 120_000, every: 100, what: `the publisher to hold ${files.size} files, ${bytes} bytes` })
  }
}

/** A folder whose files the test knows byte for byte. */
class Folder {
  readonly files = new Map<string, Buffer>()
  private serial = 0
  constructor (readonly dir: string) {}

  write (name: string, size: number): void {
    const bytes = crypto.randomBytes(size)
    fs.mkdirSync(path.dirname(path.join(this.dir, name)), { recursive: true })
    fs.writeFileSync(path.join(this.dir, name), bytes)
    this.files.set('/' + name, bytes)
  }

  rename (from: string, to: string): void {
    fs.mkdirSync(path.dirname(path.join(this.dir, to)), { recursive: true })
    fs.renameSync(path.join(this.dir, from.slice(1)), path.join(this.dir, to))
    this.files.set('/' + to, this.files.get(from)!)
    this.files.delete(from)
  }

  remove (name: string): void {
    fs.rmSync(path.join(this.dir, name.slice(1)))
    this.files.delete(name)
  }

  names (): string[] { return [...this.files.keys()].sort() }
  fresh (ext = 'bin'): string { return `round/file-${++this.serial}.${ext}` }
  get bytes (): number { return [...this.files.values()].reduce((n, b) => n + b.length, 0) }
}

const size = () => MB + crypto.randomInt(2 * MB)

/** Changes a re-import publishes: `rewrite` files get new bytes, two are renamed, one deleted, one added. */
function change (folder: Folder, rewrite: number): void {
  const names = folder.names()
  for (const name of names.slice(0, rewrite)) folder.write(name.slice(1), size())
  folder.rename(names[names.length - 1], folder.fresh())
  folder.rename(names[names.length - 2], folder.fresh('dat'))
  folder.remove(names[names.length - 3])
  folder.write(folder.fresh(), size())
}

async function publisher (folder: Folder): Promise<Publisher> {
  const p = new Publisher(await tempDir('p2p-reclaim-pub-'), folder.dir, { http: await freePort(), content: await freePort(), replication: await freePort() })
  await p.start()
  return p
}

describe('storage given back after re-imports', () => {
  it(`ten re-imports, some cut off by SIGKILL: the publisher's and a following mirror's stores stay within ${RATIO}× the content + ${OVERHEAD / MB} MiB, disk.store within 10 % of du, disk.used within ${RATIO}× the content, and the latest version reads byte for byte`, async () => {
    const folder = new Folder(await tempDir('p2p-reclaim-folder-'))
    for (let i = 0; i < 14; i++) folder.write(i < 4 ? `sub/part-${i}.bin` : `file-${i}.bin`, size())
    const pub = await publisher(folder)
    const first = await pub.settled(folder.files)
    const key: string = first.key
    const nodeKey: string = (await pub.status()).node.key

    const mirror = await startTestNode([['mirror', 'followed'], ['follow', key]], { web: undefined })
    mirrors.push(mirror)
    const dial = () => mirror.node.peers.discovered({ key: nodeKey, host: '127.0.0.1', port: pub.ports.replication })
    dial()
    const followed = async (what: string) => {
      const version = (await pub.drive()).version
      return until(() => {
        const f = mirror.node.library.get(key)?.snapshot()
        return f && f.version >= version && f.known && f.localBytes === folder.bytes && f.files === folder.files.size
      }, { timeout: 120_000, every: 100, what: `the mirror to follow ${what} (version ${version})` }).catch(async (err: Error) => {
        // Where it stopped: the mirror's figures and cores against what the publisher says it has.
        const d = mirror.node.library.get(key)
        const cores = d?.replicatedCores()
        const core = (c: any) => c && { length: c.length, contiguous: c.contiguousLength, peers: c.peers?.length }
        console.log('mirror stopped at', JSON.stringify({ figures: d?.snapshot(), folder: { bytes: folder.bytes, files: folder.files.size }, metadata: core(cores?.metadata), blobs: core(cores?.blobs), publisher: await pub.drive() }))
        throw err
      })
    }
    await followed('the first import')

    let cutMidImport = 0
    let peakPublisher = 0
    let peakMirror = 0
    for (let round = 1; round <= 10; round++) {
      const cut = round === 3 || round === 6 || round === 9
      const version: number = (await pub.drive()).version
      change(folder, cut ? 12 : 5)
      if (cut) {
        // SIGKILL while the import writes: the first sign of it in status is what the kill waits for.
        const seen = await until(async () => {
          const d = await pub.drive()
          return d.importing ? 'importing' : d.version > version && d.bytes === folder.bytes ? 'done' : null
        }, { timeout: 60_000, every: 10, what: 'the import to start' })
        await pub.kill()
        if (seen !== 'done') cutMidImport++
        await pub.start()
        dial()
      }
      await pub.settled(folder.files)
      await followed(`re-import ${round}`)
      peakPublisher = Math.max(peakPublisher, du(path.join(pub.data, 'store')))
      peakMirror = Math.max(peakMirror, du(path.join(mirror.config.data, 'store')))
    }
    expect(cutMidImport).toBeGreaterThanOrEqual(1)

    const content = folder.bytes
    const bound = RATIO * content + OVERHEAD
    // Compaction comes some seconds after the last reclaim, at most once a minute.
    await until(() => du(path.join(pub.data, 'store')) <= bound, { timeout: 180_000, every: 1000, what: `the publisher's store to shrink to ${mb(bound)}` })
    // The figures below are the settled ones: the publisher has compacted since it last gave blocks back.
    const last = (re: RegExp) => pub.logs.map(l => re.test(l)).lastIndexOf(true)
    await until(() => last(/store compacted/) > last(/gave back/), { timeout: 180_000, every: 1000, what: 'the publisher to compact after its last reclaim' })
    await until(() => du(path.join(mirror.config.data, 'store')) <= bound, { timeout: 180_000, every: 1000, what: `the mirror's store to shrink to ${mb(bound)}` })

    const onDisk = du(path.join(pub.data, 'store'))
    const { used, store } = (await pub.status()).disk as { used: number, store: number }
    console.log(`content ${mb(content)}; publisher store: peak ${mb(peakPublisher)} during the re-imports, ${mb(onDisk)} after (${(onDisk / content).toFixed(2)}×), disk.store ${mb(store)}, disk.used ${mb(used)}; ` +
      `mirror store: peak ${mb(peakMirror)}, ${mb(du(path.join(mirror.config.data, 'store')))} after; ${cutMidImport} import(s) cut mid-way`)
    // The store as the card holds it, and what the caps count: the content, superseded blocks given back.
    expect(Math.abs(store - onDisk)).toBeLessThanOrEqual(0.1 * onDisk)
    expect(used).toBeGreaterThanOrEqual(content)
    expect(used).toBeLessThanOrEqual(RATIO * content)

    const copy = mirror.node.library.get(key)!
    for (const [name, bytes] of folder.files) {
      expect(sha(await pub.file(key, name)), `publisher ${name}`).toBe(sha(bytes))
      const held = await copy.drive.get(name, { wait: false })
      expect(held && sha(held), `mirror ${name}`).toBe(sha(bytes))
    }
  }, 900_000)

  it('a power cut while old blocks are given back loses nothing of the latest version', async () => {
    const folder = new Folder(await tempDir('p2p-reclaim-folder-'))
    // Small files side by side: deleting every other one leaves hundreds of separate ranges to clear.
    for (let i = 0; i < 600; i++) folder.write(`small/${String(i).padStart(3, '0')}.txt`, 6000 + i)
    folder.write('big.bin', 3 * MB)
    const pub = await publisher(folder)
    const key: string = (await pub.settled(folder.files)).key
    for (const name of folder.names().filter((_, i) => i % 2 === 1)) folder.remove(name)
    const before = pub.logs.length
    await until(() => pub.logs.slice(before).some(l => /giving back \d+ range/.test(l)), { timeout: 120_000, every: 5, what: 'the reclaim to start' })
    await pub.kill()
    const cutMidReclaim = !pub.logs.slice(before).some(l => /gave back/.test(l))

    await pub.start()
    const d = await pub.settled(folder.files)
    expect(d.key).toBe(key)
    for (const [name, bytes] of folder.files) expect(sha(await pub.file(key, name)), name).toBe(sha(bytes))
    await pub.kill()
    const audit = spawnSync(process.execPath, [CLI, 'audit', '--data', pub.data], { encoding: 'utf8', timeout: 120_000 })
    console.log(`power cut ${cutMidReclaim ? 'mid-reclaim' : 'right after the reclaim'}; audit: ${audit.stdout.trim().split('\n').pop()}`)
    expect(audit.status, audit.stdout + audit.stderr).toBe(0)
  }, 300_000)
})
