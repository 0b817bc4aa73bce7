// The command line as an organiser meets it: help that lists every option, mistakes that stop with exit 2 and
// say what to do, and a first start that says where to go.
import { describe, it, expect, afterAll } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir, removeTempDirs } from '../../helpers/temp-dir.js'
import { freePort } from '../../helpers/free-port.js'

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/p2p-portal.js')
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 })

const started: ChildProcess[] = []
afterAll(async () => {
  for (const p of started) if (p.exitCode === null) { p.kill('SIGKILL') }
  await removeTempDirs()
})

/** A port nothing listens on right now (a node refuses port 0: phones need a known one). */

/** Starts a node on loopback and resolves with its output once it says where to go (or exits). */
async function startNode (data: string, extra: string[] = []): Promise<{ proc: ChildProcess, out: string, code: number | null }> {
  const [port, contentPort] = [await freePort(), await freePort()]
  const proc = spawn(process.execPath, [CLI, 'start', '--data', data, '--host', '127.0.0.1', '--port', String(port), '--content-port', String(contentPort),
    '--no-internet', '--mdns-interfaces', 'lo', ...extra])
  started.push(proc)
  let out = ''
  return new Promise((resolve) => {
    const seen = (d: Buffer) => { out += d; if (/organiser's page/.test(out)) resolve({ proc, out, code: null }) }
    proc.stdout.on('data', seen)
    proc.stderr.on('data', seen)
    proc.once('exit', (code) => resolve({ proc, out, code }))
  })
}

describe('p2p-portal start --help', () => {
  it('prints every option the configuration accepts and exits 0, for --help and -h alike', () => {
    for (const flag of ['--help', '-h']) {
      const r = run('start', flag)
      expect(r.status).toBe(0)
      for (const opt of ['--data DIR', '--port PORT', '--content-port PORT', '--replication-port PORT', '--mdns-interfaces LIST', '--host ADDRESS', '--no-internet', '--config FILE']) {
        expect(r.stdout).toContain(opt)
      }
    }
  })

  it('names the same options in the error for an unknown one, and exits 2', () => {
    const r = run('start', '--bogus')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/Unknown option --bogus\. Known options: .*--content-port.*--mdns-interfaces.*--help/)
  })

  it('refuses a --follow key that can never match with exit 2, like every other bad value', () => {
    const r = run('start', '--follow', 'nonsense')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('Bad value for follow: "nonsense"')
  })
})

describe('p2p-portal audit', () => {
  it('--help explains audit without auditing anything', async () => {
    const cwd = await tempDir('p2p-cli-')
    const r = spawnSync(process.execPath, [CLI, 'audit', '--help'], { cwd, encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('Usage: p2p-portal audit')
    expect(fs.readdirSync(cwd)).toEqual([])
  })

  it('a folder with no store is an error (exit 2), and is not created', async () => {
    const missing = path.join(await tempDir('p2p-cli-'), 'typo')
    const r = run('audit', '--data', missing)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('holds no p2p-portal store')
    expect(fs.existsSync(missing)).toBe(false)
  })
})

describe('starting a node', () => {
  it('says which addresses to open and how to set the admin password, not 0.0.0.0', async () => {
    const { out, code } = await startNode(await tempDir('p2p-cli-data-'))
    expect(code).toBeNull()
    expect(out).toMatch(/open http:\/\/127\.0\.0\.1:\d+\//)
    expect(out).toContain('no admin password yet')
    expect(out).not.toContain('http://0.0.0.0')
  })

  it('a second node on the same data folder says another node uses it (exit 1)', async () => {
    const data = await tempDir('p2p-cli-data-')
    const first = await startNode(data)
    expect(first.code).toBeNull()
    const second = await startNode(data)
    expect(second.code).toBe(1)
    expect(second.out).toContain('Another p2p-portal node is already using the data folder')
  })

  it('a read-only data folder is reported as such, not as a missing file', async () => {
    const dir = await tempDir('p2p-cli-ro-')
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]).status).toBe(0)
    try {
      const { code, out } = await startNode(dir)
      expect(code).toBe(1)
      expect(out).toContain('cannot be written (read-only file system)')
      expect(out).not.toContain('ENOENT')
    } finally {
      spawnSync('umount', [dir])
    }
  })
})
