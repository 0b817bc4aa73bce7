// A peer that speaks plain Hypercore (a stock Hyperdrive app dialling the replication port) sends no catalogue.
// Nobody vouches for it, so it must earn its slot: replicating a drive with this node does; saying nothing does not.
import { describe, it, expect, afterEach } from 'vitest'
import net from 'node:net'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs, tempDir, until } from '../../helpers/temp-dir.js'
import { holdsFor } from '../../helpers/until.js'
import { keyText } from '../../../services/storage/drive-key.js'

const closing: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close()
  await removeTempDirs()
})

/** Dials the node's replication port as a stock app would: TCP, Noise with a key of its own, plain Hypercore. */
async function dial (n: TestNode): Promise<{ store: Corestore, stream: any, key: string, closed: Promise<void> }> {
  const store = new Corestore(await tempDir('p2p-plain-'))
  const socket = net.connect({ host: '127.0.0.1', port: n.node.peers.port })
  const stream = new NoiseSecretStream(true, socket)
  stream.on('error', () => { /* the node may drop us: that is what is being tested */ })
  const closed = new Promise<void>(resolve => stream.once('close', () => resolve()))
  store.replicate(stream)
  await stream.opened
  closing.push(async () => { stream.destroy(); await store.close() })
  return { store, stream, key: keyText(stream.publicKey), closed }
}

describe('a peer that sends no catalogue', () => {
  it('keeps its connection while it replicates a drive with the node, and counts as its holder once it has all of it', async () => {
    const n = await startTestNode([['name', 'Library']]); closing.push(() => n.close())
    const own = await n.node.library.createOwnDrive({ title: 'Talks', description: '' })
    await own.drive.put('/talk.bin', Buffer.alloc(300_000, 7))
    await own.refresh()
    const plain = await dial(n)
    const drive = new Hyperdrive(plain.store, own.key)
    closing.push(() => drive.close())
    await drive.ready()
    await drive.download('/')
    const status = async () => (await (await fetch(`${n.url}/api/status`)).json()).drives.find((d: any) => d.key === own.id)
    const d = await until(async () => {
      const s = await status()
      return s.holders.includes(plain.key) ? s : null
    }, { timeout: 20_000, what: 'the plain peer counted as a holder' })
    expect(d).toMatchObject({ copies: 2, peers: 1 })
    // Past the 10 s an unannounced peer has to speak (peer-manager.ts), with a margin: still connected.
    await holdsFor(() => n.node.peers.peers().some(p => p.key === plain.key), 13_000, { every: 250, what: 'the plain peer\'s connection' })
  }, 60_000)

  it('is dropped when it shares no drive with the node either', async () => {
    const n = await startTestNode([['name', 'Library']]); closing.push(() => n.close())
    const plain = await dial(n)
    await until(() => n.node.peers.peers().some(p => p.key === plain.key), { what: 'the plain peer admitted' })
    await plain.closed
    expect(n.node.peers.peers().some(p => p.key === plain.key)).toBe(false)
  }, 60_000)
})
