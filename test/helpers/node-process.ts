// A real p2p-portal node process inside a namespace of the test LAN, driven through its HTTP contract.
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LanNode } from './netns.js'
import { tempDir, until } from './temp-dir.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CLI = path.join(ROOT, 'bin/p2p-portal.js')
const FETCH = path.join(ROOT, 'test/helpers/fetch-files.mjs')

export interface NodeProcess {
  lan: LanNode
  data: string
  port: number
  url: string
  proc: ChildProcess
  logs: string[]
  status (): Promise<any>
  /** Fetches files from this node (inside its namespace) and hashes them. */
  fetchFiles (key: string, paths: string[]): Promise<Record<string, { status: number, bytes: number, sha256: string }>>
  get (urlPath: string): Promise<{ status: number, body: string }>
  stop (signal?: NodeJS.Signals): Promise<number | null>
  kill (): Promise<void>
  restart (): Promise<void>
}

export interface StartOptions {
  name?: string
  share?: string[]
  args?: string[]
  data?: string
  port?: number
  env?: NodeJS.ProcessEnv
}

export async function startNode (lan: LanNode, opts: StartOptions = {}): Promise<NodeProcess> {
  const data = opts.data ?? await tempDir('p2p-ns-data-')
  const port = opts.port ?? 8080
  const args = ['start', '--data', data, '--port', String(port), '--name', opts.name ?? `node-${lan.index}`, '--no-internet',
    ...(opts.share ?? []).flatMap(s => ['--share', s]), ...(opts.args ?? [])]
  const logs: string[] = []
  const url = `http://${lan.ip}:${port}`
  const spawnIt = () => {
    const proc = lan.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env } })
    proc.stdout?.on('data', (d) => logs.push(...String(d).split('\n').filter(Boolean)))
    proc.stderr?.on('data', (d) => logs.push(...String(d).split('\n').filter(Boolean)))
    return proc
  }
  const node: NodeProcess = {
    lan, data, port, url, logs,
    proc: spawnIt(),
    async get (urlPath) {
      const r = await lan.exec('curl', ['-s', '-o', '-', '-w', '\n%{http_code}', '--max-time', '10', url + urlPath])
      const i = r.stdout.lastIndexOf('\n')
      return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) }
    },
    async status () {
      const r = await node.get('/api/status')
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      return JSON.parse(r.body)
    },
    async fetchFiles (key, paths) {
      const list = path.join(await tempDir('p2p-list-'), 'paths.json')
      fs.writeFileSync(list, JSON.stringify(paths))
      const r = await lan.exec(process.execPath, [FETCH, url, key, list], { timeout: 120_000 })
      if (r.code !== 0) throw new Error(`fetch-files failed: ${r.stderr}`)
      return JSON.parse(r.stdout)
    },
    stop (signal = 'SIGTERM') {
      const proc = node.proc
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
      return new Promise((resolve) => {
        proc.once('exit', (code) => resolve(code))
        // `ip netns exec` passes signals on to the node, which is its only child.
        proc.kill(signal)
      })
    },
    async kill () {
      await new Promise<void>((resolve) => {
        if (node.proc.exitCode !== null || node.proc.signalCode !== null) return resolve()
        node.proc.once('exit', () => resolve())
        try { process.kill(-node.proc.pid!, 'SIGKILL') } catch { resolve() }
      })
    },
    async restart () {
      node.proc = spawnIt()
      await waitReady(node)
    }
  }
  await waitReady(node)
  // The node answers while it imports its --share folders (in the background); specs start from a published drive.
  if (opts.share?.length) await waitImported(node)
  return node
}

async function waitImported (node: NodeProcess): Promise<void> {
  await until(async () => (await node.status()).drives.every((d: any) => !d.importing), { timeout: 300_000, every: 200, what: `node ${node.lan.index} to import its shared folders` })
}

async function waitReady (node: NodeProcess): Promise<void> {
  await until(async () => {
    if (node.proc.exitCode !== null) throw new Error(`node exited with ${node.proc.exitCode}:\n${node.logs.join('\n')}`)
    return (await node.status()).node.key
  }, { timeout: 20_000, every: 100, what: `node ${node.lan.index} to answer` })
}

export function driveByTitle (status: any, title: string): any {
  return status.drives.find((d: any) => d.title === title)
}
