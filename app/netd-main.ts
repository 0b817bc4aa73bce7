// p2p-portal-netd: the root helper that changes Wi-Fi for the portal (see netd-server.ts for why it is separate).
//   p2p-portal-netd [--socket PATH] [--iface IFACE] [--idle-timeout SEC] [--secret-dir DIR]
// Under p2p-portal-netd.socket systemd hands us the listening socket (LISTEN_FDS=1, fd 3) and we exit when idle;
// with --socket we listen on PATH ourselves and stay up. It does not load the portal's configuration: everything
// it needs is on its command line in the unit file, and the systemd protocol variables below.
import os from 'node:os'
import { parseArgs } from 'node:util'
import { logger } from '../services/log.js'
import { listenFd } from '../services/line-socket/listen-fd.js'
import { helperMain } from './helper-main.js'
import { WifiAdapter } from '../services/wifi/wifi-adapter.js'
import { NetdServer } from '../services/netd/netd-server.js'

const log = logger('netd')
const USAGE = 'usage: p2p-portal-netd [--socket PATH] [--iface IFACE] [--idle-timeout SEC] [--secret-dir DIR]'

export async function main (argv: string[]): Promise<void> {
  await helperMain(log, () => run(argv))
}

async function run (argv: string[]): Promise<void> {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        socket: { type: 'string' },
        iface: { type: 'string' },
        'idle-timeout': { type: 'string' },
        'secret-dir': { type: 'string' }
      }
    }).values
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`)
  }

  const fd = listenFd('p2p-portal-netd.socket')
  if (fd === null && values.socket === undefined) {
    throw new Error(`no socket: start me through p2p-portal-netd.socket, or give --socket PATH\n${USAGE}`)
  }
  const idle = values['idle-timeout'] ?? (fd !== null ? '60' : '0')
  const idleSec = Number(idle)
  if (!Number.isFinite(idleSec) || idleSec < 0) throw new Error(`--idle-timeout ${idle}: give a number of seconds (0 = never)`)

  const wifi = new WifiAdapter({
    iface: values.iface,
    // RuntimeDirectory= gives a root-only tmpfs folder: the passphrase file never reaches the SD card.
    secretDir: values['secret-dir'] ?? process.env.RUNTIME_DIRECTORY ?? os.tmpdir()
  })
  const server = new NetdServer({
    wifi,
    ...(fd !== null ? { fd } : { path: values.socket }),
    idleTimeoutMs: idleSec * 1000
  })

  const stop = (signal: NodeJS.Signals) => {
    // A hung nmcli must not keep the unit in "deactivating" forever.
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] ?? 0)), 5000).unref()
    server.close().catch((err: Error) => log.error(`closing: ${err.message}`))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  server.once('idle', () => {
    process.off('SIGTERM', stop)
    process.off('SIGINT', stop)
  })
  await server.open()
}
