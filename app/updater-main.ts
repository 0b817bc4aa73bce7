// p2p-portal-updater: the root helper that installs releases of p2p-portal (see services/update/updater-server.ts).
//   p2p-portal-updater [serve] [options]   answer the node on a unix socket (fd 3 from systemd, or --socket PATH)
//   p2p-portal-updater recover [options]   finish or undo an install a power cut interrupted, then exit
// The image runs `recover` as a oneshot before p2p-portal.service, and `serve` as its own unit, so restarting the
// node's unit never stops the helper in the middle of an install.
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { logger } from '../services/log.js'
import { listenFd } from '../services/line-socket/listen-fd.js'
import { helperMain } from './helper-main.js'
import fs from 'node:fs'
import { parseConfigText } from '../services/config/config-file.js'
import { isKeyText, keyText, parseKey } from '../services/storage/drive-key.js'
import { UpdaterServer } from '../services/update/updater-server.js'
import { ReleaseInstaller } from '../services/update/release-installer.js'
import { Systemctl } from '../services/update/systemctl.js'
import type { ServiceManager } from '../services/update/service-manager.js'

const log = logger('updater')
export const DEFAULT_ROOT = '/opt/p2p-portal'
const USAGE = `usage: p2p-portal-updater [serve|recover] [--root DIR] [--release-key KEY | --config FILE] [--unit UNIT]
       [--probation-ms MS] [--ready-timeout-ms MS] [--socket PATH] [--spool DIR]
  --root DIR          holds releases/<version>/, the current link and update-state.json (default ${DEFAULT_ROOT})
  --release-key KEY   the release key; without it, read from the node's config file (--config or P2P_PORTAL_CONFIG)
  --unit UNIT         the node's systemd unit (default p2p-portal.service)
  --probation-ms MS   how long a new version must stay up after READY=1 (default 120000)
  --socket PATH       listen here instead of on the socket systemd passes (fd 3)
  --spool DIR         the node's spool folder: only bundles directly in it may be offered
  --test-no-restart   tests only: restarting the unit does nothing and it counts as up (no systemd)`

export async function main (argv: string[]): Promise<void> {
  await helperMain(log, () => run(argv))
}

/** A unit that is never restarted and always up: lets a test drive installs without systemd. */
const noRestart: ServiceManager = {
  async restart () { /* the test's node is not managed by this helper */ },
  async isActive () { return true },
  async waitReady () { return true }
}

async function run (argv: string[]): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        'release-key': { type: 'string' },
        config: { type: 'string' },
        unit: { type: 'string' },
        'probation-ms': { type: 'string' },
        'ready-timeout-ms': { type: 'string' },
        socket: { type: 'string' },
        spool: { type: 'string' },
        'test-no-restart': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`)
  }
  const { values, positionals } = parsed
  if (values.help) { process.stdout.write(USAGE + '\n'); return }
  const command = positionals[0] ?? 'serve'
  if (positionals.length > 1 || (command !== 'serve' && command !== 'recover')) throw new Error(`unknown command ${positionals.join(' ')}\n${USAGE}`)

  const root = path.resolve(values.root ?? DEFAULT_ROOT)
  const services = values['test-no-restart'] ? noRestart : new Systemctl()
  if (values['test-no-restart']) log.warn('--test-no-restart: the node\'s unit is never restarted (tests only)')
  const installer = {
    root,
    unit: values.unit ?? 'p2p-portal.service',
    services,
    probationMs: millis('probation-ms', values['probation-ms']),
    readyTimeoutMs: millis('ready-timeout-ms', values['ready-timeout-ms'])
  }

  if (command === 'recover') {
    // Runs before the node starts: whatever `current` ends up at is what systemd starts next.
    const res = await new ReleaseInstaller(installer).recover()
    log.info(`recovered: running ${res.current}${res.actions.length > 0 ? ` (${res.actions.join('; ')})` : ''}`)
    return
  }

  const releaseKey = values['release-key'] ?? configuredKey(values.config)
  if (!isKeyText(releaseKey)) throw new Error(`--release-key ${releaseKey}: give the 52-character release key\n${USAGE}`)
  const fd = listenFd('p2p-portal-updater.socket')
  if (fd === null && values.socket === undefined) throw new Error(`no socket: start me through p2p-portal-updater.socket, or give --socket PATH\n${USAGE}`)
  const server = new UpdaterServer({
    installer,
    releaseKey: keyText(parseKey(releaseKey)),
    spool: values.spool ? path.resolve(values.spool) : null,
    ...(fd !== null ? { fd } : { path: path.resolve(values.socket!) })
  })
  // A helper restarted in the middle of a probation goes back to the version before it, and restarts the node on it.
  const recovered = await server.installer.recover()
  if (recovered.switched) {
    log.warn(`current changed to ${recovered.current} while the node may be running another version: restarting ${installer.unit}`)
    await services.restart(installer.unit).catch((err: Error) => log.error(`restarting ${installer.unit}: ${err.message}`))
  }
  const stop = (signal: NodeJS.Signals) => {
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] ?? 0)), 5000).unref()
    server.close().then(() => process.exit(0), (err: Error) => { log.error(`closing: ${err.message}`); process.exit(1) })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  await server.open()
}

function millis (name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  if (!/^\d{1,9}$/.test(v)) throw new Error(`--${name} ${v}: give a whole number of milliseconds`)
  return Number(v)
}

/**
 * The key the node itself follows, from the same config file it reads. Only that line is read: the rest of the
 * node's configuration (shared folders, ports) is not the helper's to check, and must not stop it.
 */
function configuredKey (file: string | undefined): string {
  const from = file ?? process.env.P2P_PORTAL_CONFIG
  if (!from) throw new Error(`no release key: give --release-key KEY, or set release-key in the node's config file\n${USAGE}`)
  let text: string
  try {
    text = fs.readFileSync(from, 'utf8')
  } catch (err) {
    throw new Error(`cannot read ${from} (${(err as Error).message}): give --release-key KEY or another --config`)
  }
  const key = parseConfigText(text, from).filter(([k]) => k === 'release-key').at(-1)?.[1]
  if (key === undefined) throw new Error(`no release key: give --release-key KEY, or set release-key in the node's config file\n${USAGE}`)
  return key
}
