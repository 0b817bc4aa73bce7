// A stock Hyperdrive app, as a third-party seeder runs it: Hyperdrive 13 on a Corestore 7, announced on the
// drive's topic with Hyperswarm, and nothing of p2p-portal (no catalogue, no mDNS). Run inside a namespace:
//   node --import tsx stock-seeder.ts BOOTSTRAP_HOST:PORT DIR FILES
// Prints one JSON line { key, node } (the drive's key and the seeder's own key, both z-base-32) once announced.
import Corestore from 'corestore'
import Hyperdrive from 'hyperdrive'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import id from 'hypercore-id-encoding'

const [bootstrap, dir, files] = process.argv.slice(2)
const store = new Corestore(dir)
const drive = new Hyperdrive(store)
await drive.ready()
for (let i = 0; i < Number(files); i++) await drive.put(`/stock/file-${i}.bin`, Buffer.alloc(200_000, i))
// A private DHT's nodes reach each other directly: tell the DHT so, as the node does for --bootstrap.
const keyPair = HyperDHT.keyPair()
const dht = new HyperDHT({ bootstrap: [bootstrap], keyPair, firewalled: false })
const swarm = new Hyperswarm({ keyPair, dht })
swarm.on('connection', (conn: any) => { conn.on('error', () => { /* the peer went away */ }); store.replicate(conn) })
await swarm.join(drive.discoveryKey, { server: true, client: true }).flushed()
console.log(JSON.stringify({ key: id.encode(drive.key), node: id.encode(keyPair.publicKey) }))
process.on('SIGTERM', () => {
  const stop = async () => { await swarm.destroy(); await drive.close(); await store.close() }
  stop().catch((err: Error) => console.error(`stock seeder: ${err.message}`)).finally(() => process.exit(0))
})
