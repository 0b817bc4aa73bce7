// A misbehaving peer for integration tests, run inside a namespace:
//   node --import tsx hostile-peer.ts MODE HOST PORT
// MODE: garbage-handshake | garbage-after-handshake | flood-drives | flood-peers SECONDS
import net from 'node:net'
import crypto from 'node:crypto'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import Corestore from 'corestore'
import { CatalogueChannel } from '../../services/replication/catalogue-channel.js'

const [mode, host, portText] = process.argv.slice(2)
const port = Number(portText)
const Z32 = 'ybndrfg8ejkmcpqxot1uwisza345h769'
const fakeKey = () => Array.from(crypto.randomBytes(52), b => Z32[b % 32]).join('')

function connect (): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => resolve(s))
    s.on('error', reject)
  })
}

if (mode === 'garbage-handshake') {
  // Fifty connections that speak nonsense instead of Noise.
  for (let i = 0; i < 50; i++) {
    const s = await connect()
    s.on('error', () => { /* the node is expected to drop us */ })
    s.write(crypto.randomBytes(4096))
    s.end()
  }
  console.log('done')
} else if (mode === 'garbage-after-handshake') {
  for (let i = 0; i < 10; i++) {
    const s = await connect()
    const stream = new NoiseSecretStream(true, s)
    stream.on('error', () => { /* the node is expected to drop us */ })
    await stream.opened
    // Bytes on the raw socket after the handshake: they cannot decrypt.
    s.write(crypto.randomBytes(64 * 1024))
    await new Promise(r => setTimeout(r, 100))
    s.destroy()
  }
  console.log('done')
} else if (mode === 'flood-drives') {
  const store = new Corestore(process.argv[5])
  await store.ready()
  const s = await connect()
  const stream = new NoiseSecretStream(true, s)
  stream.on('error', () => { /* the node is expected to drop us */ })
  store.replicate(stream)
  const channel = new CatalogueChannel(stream, {
    onOpen: () => {
      // 10,000 drives, in catalogues of 1,000 (the most one message may carry), each one fake.
      for (let round = 0; round < 10; round++) {
        const drives = Array.from({ length: 1000 }, () => ({ key: fakeKey(), title: 'x'.repeat(200), description: '', bytes: 1, files: 1, version: 2, own: true }))
        channel.send({ drives, refuses: [] })
      }
      // And one oversized, one malformed: both must be dropped.
      console.log('sent')
    },
    onCatalogue: () => { /* a hostile peer ignores what it is told */ },
    onBadMessage: () => { /* a hostile peer ignores what it is told */ },
    onClose: () => { /* a hostile peer ignores what it is told */ }
  })
  channel.open()
  await new Promise(r => setTimeout(r, 8000))
  console.log('done')
  process.exit(0)
} else if (mode === 'flood-peers') {
  // Peers with keys of our own making that complete the Noise handshake, then hold their slot and say nothing;
  // each lost connection is made again at once, for SECONDS.
  const until = Date.now() + Number(process.argv[5] ?? 20) * 1000
  let opened = 0
  const hold = async (): Promise<void> => {
    while (Date.now() < until) {
      const s = await connect().catch(() => null)
      if (!s) { await new Promise(r => setTimeout(r, 50)); continue }
      const stream = new NoiseSecretStream(true, s)
      stream.on('error', () => { /* the node is expected to drop us */ })
      const ok = await stream.opened.catch(() => false)
      if (ok) opened++
      await new Promise<void>((resolve) => { stream.once('close', () => resolve()); setTimeout(() => { stream.destroy(); resolve() }, Math.max(0, until - Date.now())) })
    }
  }
  await Promise.all(Array.from({ length: 100 }, hold))
  console.log(`done: ${opened} handshakes`)
  process.exit(0)
}
