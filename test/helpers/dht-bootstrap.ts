// A private HyperDHT for tests, run inside a namespace: node --import tsx dht-bootstrap.ts HOST PORT
// It stands in for the public DHT's bootstrap nodes, which are out of reach here.
import HyperDHT from 'hyperdht'

const [host, port] = process.argv.slice(2)
const bootstrap = HyperDHT.bootstrapper(Number(port), host)
await bootstrap.ready()
// A DHT of one node routes poorly: a few more plain nodes make lookups behave as on the real network.
const extra = await Promise.all(Array.from({ length: 4 }, async () => {
  const n = new HyperDHT({ bootstrap: [`${host}:${port}`], ephemeral: false, firewalled: false, host })
  await n.ready()
  return n
}))
console.log(`bootstrap ready on ${host}:${port} with ${extra.length + 1} nodes`)
process.on('SIGTERM', () => {
  const stop = async () => { for (const n of extra) await n.destroy(); await bootstrap.destroy() }
  stop().catch((err: Error) => console.error(`bootstrap: ${err.message}`)).finally(() => process.exit(0))
})
