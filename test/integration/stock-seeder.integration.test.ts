// A drive served by a stock Hyperdrive app (no catalogue, plain Hypercore over Hyperswarm) is counted like any
// other holder: the node's status names the seeder among the drive's holders and peers.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode } from '../helpers/node-process.js'
import { removeTempDirs, tempDir, until } from '../helpers/temp-dir.js'

const HELPERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers')
let lan: Lan
const children: ChildProcess[] = []

/** Starts a helper script in a namespace and resolves with its first stdout line that `match` accepts. */
function helper (node: Lan['nodes'][number], script: string, args: string[], match: (line: string) => boolean): Promise<string> {
  const child = node.spawn(process.execPath, ['--import', 'tsx', path.join(HELPERS, script), ...args])
  children.push(child)
  let out = ''
  let err = ''
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => { err += String(d) })
    child.stdout!.on('data', (d) => {
      out += String(d)
      const line = out.split('\n').find(match)
      if (line) resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${err}`)))
  })
}

beforeAll(async () => { lan = await createLan({ nodes: 3 }) })
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  await lan?.destroy()
  await removeTempDirs()
})

describe('a stock Hyperdrive seeder', () => {
  it('is one of the holders and peers of the drive it serves, in /api/status', async () => {
    const bootstrap = `${lan.nodes[0].ip}:49737`
    await helper(lan.nodes[0], 'dht-bootstrap.ts', [lan.nodes[0].ip, '49737'], l => l.includes('bootstrap ready'))
    const seeder = JSON.parse(await helper(lan.nodes[1], 'stock-seeder.ts', [bootstrap, await tempDir('p2p-stock-'), '5'], l => l.startsWith('{'))) as { key: string, node: string }
    const node = await startNode(lan.nodes[2], { name: 'portal', args: ['--bootstrap', bootstrap, '--internet', 'on', '--follow', seeder.key] })
    const drive = await until(async () => {
      const d = (await node.status()).drives.find((x: any) => x.key === seeder.key)
      return d?.complete && d.holders.includes(seeder.node) && d
    }, { timeout: 90_000, what: 'the followed drive complete, with the stock seeder among its holders' })
    const self = (await node.status()).node.key
    expect(drive).toMatchObject({ files: 5, complete: true, copies: 2 })
    expect(drive.holders.sort()).toEqual([seeder.node, self].sort())
    expect(drive.peers).toBeGreaterThanOrEqual(1)
    // The seeder sends no catalogue; it keeps its connection because it replicates the drive with us.
    const status = await node.status()
    expect(status.peers).toEqual([expect.objectContaining({ key: seeder.node, via: 'internet', drives: 0 })])
    expect(status.region.nodes).toBe(2)
  })
})
