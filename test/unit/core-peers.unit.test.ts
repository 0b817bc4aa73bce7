// What a drive's own cores say about who holds it: the way a node counts peers that send no catalogue.
import { describe, it, expect, afterEach } from 'vitest'
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import { corePeers } from '../../services/replication/core-peers.js'
import { keyText } from '../../services/storage/drive-key.js'
import { tempDir, removeTempDirs, until } from '../helpers/temp-dir.js'

const open: Array<{ close (): Promise<void> }> = []
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close()
  await removeTempDirs()
})

async function store (): Promise<Corestore> {
  const s = new Corestore(await tempDir('p2p-core-peers-'))
  open.push(s)
  return s
}

/** Two stores replicating over a piped Noise stream, as two peers on one connection; returns each side's key. */
async function connect (a: Corestore, b: Corestore): Promise<{ a: string, b: string }> {
  const sa = a.replicate(true)
  const sb = b.replicate(false)
  sa.pipe(sb).pipe(sa)
  open.push({ close: async () => { sa.destroy(); sb.destroy() } })
  const na = sa.noiseStream ?? sa
  const nb = sb.noiseStream ?? sb
  await Promise.all([na.opened, nb.opened])
  return { a: keyText(nb.remotePublicKey), b: keyText(na.remotePublicKey) }
}

async function seeded (s: Corestore): Promise<Hyperdrive> {
  const drive = new Hyperdrive(s)
  open.push(drive)
  for (let i = 0; i < 5; i++) await drive.put(`/f${i}.bin`, Buffer.alloc(100_000, i))
  return drive
}

describe('a drive\'s replication peers, read from its cores', () => {
  it('a seeder holding every block of the metadata and the file bytes is whole; a peer that just joined is not', async () => {
    const seederStore = await store()
    const seeder = await seeded(seederStore)
    const mirrorStore = await store()
    const mirror = new Hyperdrive(mirrorStore, seeder.key)
    open.push(mirror)
    await mirror.ready()
    const keys = await connect(seederStore, mirrorStore)
    // The mirror reads one file: it now knows both cores, and the seeder's ranges tell it has all of them.
    await mirror.get('/f0.bin')
    const seen = await until(() => {
      const peers = corePeers(mirror.core, mirror.blobs?.core ?? null)
      return peers.get(keys.a) === true ? peers : null
    }, { timeout: 20_000, what: 'the seeder seen whole' })
    expect([...seen.keys()]).toEqual([keys.a])
    // Seen from the seeder, the mirror has only one file's blocks.
    const fromSeeder = await until(() => {
      const peers = corePeers(seeder.core, seeder.blobs?.core ?? null)
      return peers.has(keys.b) ? peers : null
    }, { timeout: 20_000, what: 'the mirror seen by the seeder' })
    expect(fromSeeder.get(keys.b)).toBe(false)
  })

  it('a peer with the whole metadata but not the file bytes is not whole, and neither is one whose file bytes are unknown', () => {
    const key = Buffer.alloc(32, 3)
    const full = { remotePublicKey: key, remoteLength: 8, remoteContiguousLength: 8 }
    expect(corePeers({ length: 8, peers: [full] }, { length: 20, peers: [{ ...full, remoteLength: 20, remoteContiguousLength: 19 }] }).get(keyText(key))).toBe(false)
    expect(corePeers({ length: 8, peers: [full] }, null).get(keyText(key))).toBe(false)
    expect(corePeers({ length: 8, peers: [full] }, { length: 20, peers: [{ ...full, remoteLength: 20, remoteContiguousLength: 20 }] }).get(keyText(key))).toBe(true)
    // A writer ahead of us: whole means up to its own length.
    expect(corePeers({ length: 8, peers: [{ ...full, remoteLength: 12 }] }, { length: 0, peers: [{ ...full, remoteLength: 0, remoteContiguousLength: 0 }] }).get(keyText(key))).toBe(false)
  })
})
