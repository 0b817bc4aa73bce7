// One MdnsDiscovery in its own process, for integration tests that run it inside a namespace.
// Usage: node --import tsx test/helpers/mdns-peer.ts <name> <nodeKey> <port> [interface...]
// Prints one JSON line per event on stdout ({ event: 'open' | 'peer' | 'peer-gone' | 'closed', t, ... }, t in ms
// since the process started); SIGTERM closes cleanly and exits 0.
import { MdnsDiscovery, type PeerRecord } from '../../services/discovery/mdns-discovery.js'
import { setLogLevel } from '../../services/log.js'

const started = performance.now()
const [name, nodeKey, port, ...interfaces] = process.argv.slice(2)
const say = (event: string, data: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ event, t: Math.round(performance.now() - started), ...data }) + '\n')

// Our JSON lines share stdout with the service's logs; keep the logs for a failing test's output, but on stderr.
setLogLevel(process.env.P2P_PORTAL_LOG === 'debug' ? 'debug' : 'warn')

process.on('uncaughtException', (err) => { say('crash', { message: err.stack }); process.exit(70) })
process.on('unhandledRejection', (err) => { say('crash', { message: String((err as Error)?.stack ?? err) }); process.exit(70) })

const discovery = new MdnsDiscovery({
  name, nodeKey, port: Number(port), protocolVersion: 1, interfaces, rescanMs: Number(process.env.RESCAN_MS ?? 10_000)
})
discovery.on('peer', (peer: PeerRecord) => say('peer', { ...peer }))
discovery.on('peer-gone', (key: string) => say('peer-gone', { key }))

process.once('SIGTERM', () => {
  const t = performance.now()
  discovery.close().then(() => {
    say('closed', { ms: Math.round(performance.now() - t) })
    process.exit(0)
  }, (err: Error) => { say('crash', { message: err.stack }); process.exit(70) })
})

await discovery.open()
say('open')
