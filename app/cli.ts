// `p2p-portal start [options]`: runs a node in the foreground until SIGTERM/SIGINT.
import { loadConfig, readSystemdEnv, startOptionsUsage, wantsHelp } from '../services/config/config.js'
import { PortalNode, APP_VERSION } from './portal-node.js'
import { CONFIG_INVALID, isPortalError } from '../services/errors.js'
import { logger, setLogLevel } from '../services/log.js'
import { portalWeb } from './portal-parts.js'
import path from 'node:path'
import fs from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { PASSWORD_FILE } from '../web/admin/admin-password.js'

const log = logger('node')
// systemd waits TimeoutStopSec; a stuck close must not turn a clean stop into a SIGKILL.
const SHUTDOWN_DEADLINE_MS = 5_000

const USAGE = () => `Usage: p2p-portal start [options]      run a node in the foreground until SIGTERM/SIGINT
       p2p-portal audit [--data DIR] [--repair]   check stored drives for damage (exit 1 if any)
       p2p-portal release --key-file FILE --data DIR [options]   publish this build as a signed update
       p2p-portal --version

Options of start:
${startOptionsUsage()}`

const AUDIT_USAGE = `Usage: p2p-portal audit [--data DIR] [--repair]
  Checks the drives stored in DIR (default ./data) for damage and prints a JSON report; exit code 1 if any
  was found. --repair drops what is damaged so that it is fetched again from peers. Run it while no node
  uses DIR.
`

const RELEASE_USAGE = `Usage: p2p-portal release --key-file FILE --data DIR [--version V] [--min-version V] [--notes TEXT] [--from DIR]
  Publishes an app tree as a signed release in the release drive kept in DIR, and prints the release key (the
  value nodes are given as --release-key). DIR is a node data folder: "p2p-portal start --data DIR" serves it.
  --key-file FILE   the release's secret key (created, mode 0600, on first use): keep it safe and off DIR
  --data DIR        the folder holding the release drive (created on first use); stop a node using it first
  --version V       the release's version (default: package.json's in the tree)
  --min-version V   the oldest running version that may update straight to it (default 0.0.0)
  --notes TEXT      release notes
  --from DIR        the app tree (image/build-app.sh's output); default this checkout's package.json,
                    package-lock.json, bin/, dist/ and web/ assets, without node_modules
  Also writes DIR/p2p-portal-release-<version>.tar: copied to a USB stick's top folder, a node imports it.
`
const RELEASE_FLAGS: Record<string, 'keyFile' | 'data' | 'version' | 'minVersion' | 'notes' | 'from'> = {
  '--key-file': 'keyFile', '--data': 'data', '--version': 'version', '--min-version': 'minVersion', '--notes': 'notes', '--from': 'from'
}

export async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === '--version' || command === 'version') { console.log(APP_VERSION); return }
  if (command === 'audit') return audit(rest)
  if (command === 'release') return release(rest)
  if (command !== 'start' || wantsHelp(rest)) {
    const asked = command === undefined || command === '--help' || command === '-h' || command === 'help' || command === 'start'
    ;(asked ? process.stdout : process.stderr).write((asked ? '' : `Unknown command "${command}".\n`) + USAGE())
    process.exitCode = asked ? 0 : 2
    return
  }
  let node: PortalNode
  try {
    const config = loadConfig({ argv: rest })
    node = new PortalNode({ config, systemd: readSystemdEnv(), web: portalWeb })
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
    // The reason it failed is what the organiser needs; a second failure while undoing would only hide it.
    await node.close().catch((closeErr: Error) => log.debug(`closing after a failed start: ${closeErr.message}`))
    fail(err)
    return
  }
  for (const line of whereToGo(node)) log.info(line)
}

/** First thing an organiser needs after start: addresses others can open, and how to reach the admin page. */
function whereToGo (node: PortalNode): string[] {
  const port = node.http.port('portal')
  const suffix = port === 80 ? '' : `:${port}`
  const host = node.config.host
  const lan = host === '0.0.0.0' || host === '::'
    ? Object.values(os.networkInterfaces()).flat().filter(a => a && a.family === 'IPv4' && !a.internal).map(a => a!.address)
    : [host]
  const urls = lan.map(ip => `http://${ip}${suffix}/`)
  const lines = [urls.length
    ? `open ${urls.join(' or ')} on a phone or laptop on this network`
    : `no network address yet: on this machine open http://localhost${suffix}/`]
  const passwordSet = node.config.adminPasswordFile !== null || fs.existsSync(path.join(node.config.data, PASSWORD_FILE))
  lines.push(passwordSet
    ? `organiser's page: ${urls[0] ?? `http://localhost${suffix}/`}admin`
    : `organiser's page: no admin password yet: set one at http://localhost${suffix}/admin on this machine, or start with --admin-password-file FILE`)
  return lines
}

async function audit (argv: string[]): Promise<void> {
  if (wantsHelp(argv)) { process.stdout.write(AUDIT_USAGE); return }
  let data = './data'
  let repair = false
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repair') repair = true
    else if (argv[i] === '--data' && argv[i + 1] && !argv[i + 1].startsWith('--')) data = argv[++i]
    else if (argv[i].startsWith('--data=')) data = argv[i].slice('--data='.length)
    else { fail(CONFIG_INVALID(`audit: unknown or incomplete option "${argv[i]}". ${AUDIT_USAGE}`)); return }
  }
  // An audit only reads what is there: a mistyped folder must not become an empty, "healthy" store.
  if (!fs.existsSync(path.join(data, 'store'))) {
    fail(CONFIG_INVALID(`audit: ${path.resolve(data)} holds no p2p-portal store (no ${path.join(data, 'store')}): give the --data folder the node uses.`))
    return
  }
  try {
    // Loaded by the commands that use them, not by `start`: each module loaded delays a node's READY=1.
    const { auditStore } = await import('../services/storage/audit-store.js')
    const report = await auditStore(path.resolve(data), { repair })
    process.stdout.write(JSON.stringify(report) + '\n')
    process.exitCode = report.corrupt || report.droppedBlocks || report.droppedTreeNodes ? 1 : 0
  } catch (err) {
    fail(err)
  }
}

async function release (argv: string[]): Promise<void> {
  if (wantsHelp(argv)) { process.stdout.write(RELEASE_USAGE); return }
  const opts: Partial<Record<'keyFile' | 'data' | 'version' | 'minVersion' | 'notes' | 'from', string>> = {}
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=')
    const flag = eq === -1 ? argv[i] : argv[i].slice(0, eq)
    const value = eq === -1 ? argv[++i] : argv[i].slice(eq + 1)
    const name = RELEASE_FLAGS[flag]
    if (name === undefined || value === undefined) { fail(CONFIG_INVALID(`release: unknown or incomplete option "${flag}".\n${RELEASE_USAGE}`)); return }
    opts[name] = value
  }
  if (!opts.keyFile || !opts.data) { fail(CONFIG_INVALID(`release: --key-file and --data are required.\n${RELEASE_USAGE}`)); return }
  // stdout carries the release key and nothing else, so scripts can capture it.
  setLogLevel('warn')
  try {
    const { publishRelease } = await import('../services/update/release-publisher.js')
    const r = await publishRelease({
      keyFile: path.resolve(opts.keyFile),
      data: path.resolve(opts.data),
      from: opts.from === undefined ? undefined : path.resolve(opts.from),
      checkout: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
      version: opts.version,
      minVersion: opts.minVersion,
      notes: opts.notes
    })
    if (r.keyCreated) process.stderr.write(`release: new release key in ${opts.keyFile}: keep a copy somewhere safe; whoever has it can publish updates\n`)
    process.stderr.write(`release: ${r.version} ${r.written ? 'published' : 'was already published, unchanged'}; USB bundle ${r.bundle}${r.pruned.length ? `; blocks of ${r.pruned.join(', ')} dropped` : ''}${r.skipped.length ? `; ${r.skipped.length} links left out` : ''}\n`)
    process.stdout.write(r.releaseKey + '\n')
  } catch (err) {
    fail(err)
  }
}

function fail (err: unknown): void {
  const msg = isPortalError(err) ? err.message : (err as Error)?.message ?? String(err)
  process.stderr.write(`p2p-portal: ${msg}\n`)
  process.exitCode = isPortalError(err, 'CONFIG_INVALID') ? 2 : 1
}
