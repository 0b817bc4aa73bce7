import { describe, it, expect, afterEach } from 'vitest'
import { startTestNode } from '../../helpers/test-node.js'
import { libraryCatalogue } from '../../../services/replication/library-catalogue.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { until, holdsFor } from '../../helpers/until.js'
import { setLogLevel } from '../../../services/log.js'

setLogLevel((process.env.P2P_PORTAL_LOG as any) ?? 'silent')

// The same node the CLI builds (PortalNode and its wiring), without pages, listening on loopback only.
async function makeNode () {
  const { node, close } = await startTestNode([], { web: undefined })
  return { library: node.library, peers: node.peers, mirror: node.mirror, close }
}

const nodes: Array<Awaited<ReturnType<typeof makeNode>>> = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(n => n.close()))
  await removeTempDirs()
})

function connect (a: Awaited<ReturnType<typeof makeNode>>, b: Awaited<ReturnType<typeof makeNode>>) {
  a.peers.discovered({ key: b.library.nodeKey, host: '127.0.0.1', port: b.peers.port })
  b.peers.discovered({ key: a.library.nodeKey, host: '127.0.0.1', port: a.peers.port })
}

describe('replication between two nodes', () => {
  it('a node mirrors a drive its peer publishes, with title and byte-identical files', async () => {
    const a = await makeNode(); const b = await makeNode(); nodes.push(a, b)
    const drive = await a.library.createOwnDrive({ title: 'Songs', description: 'from the festival' })
    await drive.drive.put('/hello.txt', Buffer.from('hello'))
    await drive.refresh()
    connect(a, b)
    const copy = await until(() => b.library.get(drive.id), { what: 'mirror to start' })
    await until(async () => (await copy.refresh()).localBytes === 5, { what: 'file data' })
    expect(copy.info.title).toBe('Songs')
    expect((await copy.drive.get('/hello.txt'))!.toString()).toBe('hello')
    expect(b.peers.peers().map(p => p.key)).toEqual([a.library.nodeKey])
    expect(b.mirror.seeders(drive.id)).toBe(1)
  })

  it('keeps one connection per pair even when both nodes dial at once', async () => {
    const a = await makeNode(); const b = await makeNode(); nodes.push(a, b)
    const closed: string[] = []
    a.peers.on('peer-close', () => closed.push('a'))
    b.peers.on('peer-close', () => closed.push('b'))
    connect(a, b)
    await until(() => a.peers.peers().length === 1 && b.peers.peers().length === 1)
    // The higher key's own dial comes 3 s after discovery (FALLBACK_DIAL_MS) and no event marks that it has
    // been dropped: watch one connection per side, with no churn, through that moment.
    const one = () => a.peers.peers().length === 1 && b.peers.peers().length === 1 && closed.length === 0
    await holdsFor(one, 4000, { what: 'one connection per side' })
    expect(a.peers.peers()).toHaveLength(1)
    expect(b.peers.peers()).toHaveLength(1)
  })

  it('new versions reach a connected mirror', async () => {
    const a = await makeNode(); const b = await makeNode(); nodes.push(a, b)
    const drive = await a.library.createOwnDrive({ title: 'Notes', description: '' })
    await drive.drive.put('/a.txt', Buffer.from('one'))
    connect(a, b)
    const copy = await until(() => b.library.get(drive.id))
    await until(async () => (await copy.drive.get('/a.txt', { wait: false }))?.toString() === 'one')
    await drive.drive.put('/a.txt', Buffer.from('two'))
    await until(async () => (await copy.drive.get('/a.txt', { wait: false }))?.toString() === 'two', { what: 'new version' })
  })
})

describe('blocking a drive', () => {
  it('stops mirroring it, deletes its data, and refuses it when peers offer it again', async () => {
    const a = await makeNode(); const b = await makeNode(); nodes.push(a, b)
    const drive = await a.library.createOwnDrive({ title: 'Unwanted', description: '' })
    await drive.drive.put('/x.bin', Buffer.alloc(100_000, 1))
    connect(a, b)
    const copy = await until(() => b.library.get(drive.id))
    await until(async () => (await copy.refresh()).localBytes === 100_000)
    const discoveryKeys = [copy.drive.discoveryKey, copy.drive.blobs.core.discoveryKey]
    await b.library.remove(drive.id, { block: true })
    expect(b.library.get(drive.id)).toBeUndefined()
    for (const dk of discoveryKeys) expect(await b.library.store.storage.hasCore(dk)).toBe(false)
    expect(libraryCatalogue(b.library).refuses).toEqual([drive.id])
    // The publisher keeps offering it: the blocked node never takes it back.
    await drive.drive.put('/y.bin', Buffer.from('more'))
    // Each review rebuilds `skipped` from scratch: seeing 'blocked' again means a review ran after the new version.
    b.mirror.skipped.delete(drive.id)
    b.mirror.schedule()
    await until(() => b.mirror.skipped.get(drive.id), { what: 'a review after the new version' })
    expect(b.library.get(drive.id)).toBeUndefined()
    expect(b.mirror.skipped.get(drive.id)).toBe('blocked')
    await expect(b.library.addMirror(drive.id)).rejects.toMatchObject({ code: 'DRIVE_BLOCKED' })
  })
})
