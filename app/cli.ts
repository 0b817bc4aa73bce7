// `p2p-portal start [options]`: runs a node in the foreground until SIGTERM/SIGINT.
import { loadConfig, readSystemdEnv } from '../services/config/config.js'
import { PortalNode, APP_VERSION } from './portal-node.js'
import { isPortalError } from '../services/errors.js'
import { logger } from '../services/log.js'
import { portalParts } from './portal-parts.js'
import { auditStore } from '../services/storage/audit-store.js'
import path from 'node:path'

const log = logger('node')
// systemd waits TimeoutStopSec; a stuck close must not turn a clean stop into a SIGKILL.
const SHUTDOWN_DEADLINE_MS = 5_000

const USAGE = `Usage: p2p-portal start [options]
       p2p-portal audit --data DIR [--repair]   check stored drives for damage (exit 1 if any)

  --data DIR                 where the node keeps its drives (default ./data)
  --port PORT                HTTP port for the portal and API (default 8080); drive content uses PORT+1
  --share DIR                publish a folder as one of this node's drives (repeatable)
  --name NAME                the name visitors and other nodes see
  --no-internet              stay on the LAN: do not use the public DHT
  --bootstrap HOST:PORT      use another DHT bootstrap node (repeatable)
  --config FILE              read options from a "key = value" file (see README)
  --max-drive-size SIZE      largest drive to mirror (default 4G)
  --max-total-size SIZE      disk cap for all drives (default 16G)
  --mirror all|followed      mirror every drive peers offer (default), or only followed ones
  --follow KEY               always mirror this drive (repeatable)
  --deny KEY                 never mirror this drive (repeatable)
  --captive                  answer phones' connectivity checks as a captive portal (hotspot mode)
  --portal-host HOST         the address phones are sent to in captive mode
  --admin-password-file FILE the organiser's password for /admin
  --log-level LEVEL          debug, info, warn, error or silent
`

export async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === '--version' || command === 'version') { console.log(APP_VERSION); return }
  if (command === 'audit') return audit(rest)
  if (command !== 'start') {
    process.stdout.write(USAGE)
    process.exitCode = command === undefined || command === '--help' || command === 'help' ? 0 : 2
    return
  }
  let node: PortalNode
  try {
    const config = loadConfig({ argv: rest })
    node = new PortalNode({ config, systemd: readSystemdEnv(), ...portalParts() })
  } catch (err) {
    fail(err)
    return
  }
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log.info(`${signal}: shutting down`)
    setTimeout(() => { log.error('shutdown took too long: exiting anyway'); process.exit(1) }, SHUTDOWN_DEADLINE_MS).unref()
    node.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('unhandledRejection', (err) => log.error(`unhandled: ${(err as Error)?.stack ?? err}`))
  try {
    await node.open()
  } catch (err) {
    await node.close().catch(() => { /* the open error below is the one to report */ })
    fail(err)
  }
}

async function audit (argv: string[]): Promise<void> {
  const repair = argv.includes('--repair')
  const i = argv.indexOf('--data')
  const data = i === -1 ? './data' : argv[i + 1]
  if (!data) { fail(new Error('--data needs a folder')); return }
  try {
    const report = await auditStore(path.resolve(data), { repair })
    process.stdout.write(JSON.stringify(report) + '\n')
    process.exitCode = report.corrupt || report.droppedBlocks || report.droppedTreeNodes ? 1 : 0
  } catch (err) {
    fail(err)
  }
}

function fail (err: unknown): void {
  const msg = isPortalError(err) ? err.message : (err as Error)?.message ?? String(err)
  process.stderr.write(`p2p-portal: ${msg}\n`)
  process.exitCode = isPortalError(err, 'CONFIG_INVALID') ? 2 : 1
}
