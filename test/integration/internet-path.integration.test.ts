// The Internet path: with a DHT reachable (here a private one, named with --bootstrap), nodes that cannot see
// each other over mDNS still find each other on a drive's topic and mirror it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import { createLan, type Lan } from '../helpers/netns.js'
import { startNode, driveByTitle, type NodeProcess } from '../helpers/node-process.js'
import { makeMediaFolder, type MediaFolder } from '../helpers/media-folder.js'
import { removeTempDirs, until } from '../helpers/temp-dir.js'

const BOOTSTRAP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/dht-bootstrap.ts')
let lan: Lan
let dht: ChildProcess
let media: MediaFolder
let bootstrap: string

beforeAll(async () => {
  lan = await createLan({ nodes: 4 })
  media = await makeMediaFolder({ small: 20, name: 'remote' })
  bootstrap = `${lan.nodes[0].ip}:49737`
  dht = lan.nodes[0].spawn(process.execPath, ['--import', 'tsx', BOOTSTRAP, lan.nodes[0].ip, '49737'])
  await new Promise<void>((resolve, reject) => {
    dht.stdout!.on('data', (d) => { if (String(d).includes('bootstrap ready')) resolve() })
    dht.once('exit', (code) => reject(new Error(`DHT bootstrap exited ${code}`)))
  })
})
afterAll(async () => { await lan?.destroy(); await removeTempDirs() })

describe('the Internet path', () => {
  it('a node that follows a drive finds its publisher on the DHT with no mDNS at all, and mirrors it', async () => {
    // `--mdns-interfaces lo` leaves no interface for mDNS: the DHT is the only way these two can meet.
    const noMdns = ['--mdns-interfaces', 'lo']
    const a = await startNode(lan.nodes[1], { name: 'far-publisher', share: [media.dir], args: [...noMdns, '--bootstrap', bootstrap, '--internet', 'on'] })
    const key = driveByTitle(await a.status(), 'remote').key
    const b = await startNode(lan.nodes[2], { name: 'far-mirror', args: [...noMdns, '--bootstrap', bootstrap, '--internet', 'on', '--follow', key] })
    const d = await until(async () => {
      const drive = driveByTitle(await b.status(), 'remote')
      return drive?.complete && drive
    }, { timeout: 60_000, what: 'drive mirrored over the DHT' })
    expect(d).toMatchObject({ key, files: 20, followed: true })
    const s = await b.status()
    expect(s.peers).toEqual([expect.objectContaining({ key: (await a.status()).node.key, via: 'internet' })])
  })

  it('with the Internet option on but no route anywhere, a node starts as fast and serves as usual', async () => {
    const started = Date.now()
    const c = await startNode(lan.nodes[3], { name: 'offline', share: [media.dir], args: ['--internet', 'on'] })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(c.logs.join('\n')).toMatch(/ready in \d+ ms/)
    const key = driveByTitle(await c.status(), 'remote').key
    const got = await c.fetchFiles(key, ['/photos/img-0003.jpg'])
    expect(got['/photos/img-0003.jpg'].sha256).toBe(media.files.get('/photos/img-0003.jpg'))
  })
})
