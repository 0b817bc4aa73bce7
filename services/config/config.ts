// One validated configuration object, loaded once: defaults ← config file ← environment ← CLI flags.
// A bad value stops start-up with a message that names the key and the fix. Only this module reads env.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CONFIG_INVALID } from '../errors.js'
import type { Level } from '../log.js'
import { parseConfigText } from './config-file.js'
import { parseSize } from './size.js'
import { isKeyText, keyText, parseKey } from '../storage/drive-key.js'

export interface HostPort { host: string, port: number }

export interface Config {
  /** Folder holding the corestore, the node key pair and small state files. */
  data: string
  /** HTTP port for the portal and the API, on `host`. */
  port: number
  host: string
  /** Port for drive content (a separate origin, so drive HTML/JS never runs with the portal's authority). 0 = port + 1. */
  contentPort: number
  /** TCP port that peers dial for replication. 0 = any free port (announced over mDNS). */
  replicationPort: number
  /** Shown to visitors and peers; also the mDNS instance name. */
  name: string
  /** Folders published as this node's own drives. */
  share: string[]
  /** Titles given as `--share "Title=DIR"`, by absolute folder; otherwise a drive is named after its folder. */
  shareTitles: Record<string, string>
  /** Join each drive's topic on the public HyperDHT when the Internet is there. */
  internet: boolean
  /** Other DHT bootstrap nodes (tests, private DHTs). Empty = the public ones. */
  bootstrap: HostPort[]
  /** Mirror every drive peers offer (`all`), or only followed ones (`followed`). */
  mirror: 'all' | 'followed'
  maxDriveBytes: number
  maxTotalBytes: number
  /** Complete copies wanted of every drive on nodes other than its publisher (1–16); the same on every node of a LAN. */
  copies: number
  /** Drive keys always mirrored (and followed), never offered for eviction when also pinned. */
  follow: string[]
  /** Drive keys never mirrored. */
  deny: string[]
  /** Answer OS connectivity probes and redirect foreign hosts to the portal (hotspot mode). */
  captive: boolean
  /** The address phones are sent to in captive mode, e.g. `portal.local` or `10.42.0.1`. */
  portalHost: string
  adminPasswordFile: string | null
  /** Restrict mDNS to these interface names (empty = every IPv4 interface that is up). */
  mdnsInterfaces: string[]
  logLevel: Level
  /** The release drive this node follows for its own updates (z-base-32), or null. */
  releaseKey: string | null
  /** Folders checked for release bundles (p2p-portal-release-<version>.tar); empty = USB sticks under /media and /run/media. */
  releaseImport: string[]
  /** The root update helper's socket (p2p-portal-updater, on the appliance); null = only report updates. */
  updaterSocket: string | null
}

export const DEFAULTS: Config = {
  data: './data',
  port: 8080,
  host: '0.0.0.0',
  contentPort: 0,
  replicationPort: 0,
  name: '',
  share: [],
  shareTitles: {},
  internet: true,
  bootstrap: [],
  mirror: 'all',
  maxDriveBytes: parseSize('4G'),
  maxTotalBytes: parseSize('16G'),
  copies: 2,
  follow: [],
  deny: [],
  captive: false,
  portalHost: '',
  adminPasswordFile: null,
  mdnsInterfaces: [],
  logLevel: 'info',
  releaseKey: null,
  releaseImport: [],
  updaterSocket: null
}

type Kind = 'string' | 'count' | 'port' | 'bool' | 'size' | 'list' | 'key' | 'keys' | 'hostports' | 'enum' | 'path' | 'paths'
interface KeySpec {
  key: keyof Config
  kind: Kind
  values?: readonly string[]
  fix: string
  /** Smallest and largest value of a `count`. */
  range?: readonly [number, number]
  /** The value's placeholder in the usage text (none for on/off switches). */
  arg?: string
  /** One line for `--help`; the usage text and the "known options" errors are both made from this table. */
  help: string
}

// Keys as written in config files and on the command line (kebab-case), and what each means.
const KEYS: Record<string, KeySpec> = {
  data: { key: 'data', kind: 'path', arg: 'DIR', help: 'where the node keeps its drives (default ./data)', fix: 'a folder the node may write, e.g. --data ./data' },
  port: { key: 'port', kind: 'port', arg: 'PORT', help: 'HTTP port for the portal, admin page and API (default 8080)', fix: 'a TCP port from 1 to 65535, e.g. --port 8080' },
  'content-port': { key: 'contentPort', kind: 'port', arg: 'PORT', help: 'port for drive websites, a separate origin (default PORT+1)', fix: 'a TCP port, or 0 for port + 1' },
  host: { key: 'host', kind: 'string', arg: 'ADDRESS', help: 'address to listen on (default 0.0.0.0, every interface)', fix: 'an address to listen on, e.g. 0.0.0.0' },
  'replication-port': { key: 'replicationPort', kind: 'port', arg: 'PORT', help: 'TCP port peers dial, announced over mDNS (default any free)', fix: 'a TCP port, or 0 for any free port' },
  share: { key: 'share', kind: 'paths', arg: '[TITLE=]DIR', help: 'publish a folder as one of this node\'s drives (repeatable)', fix: 'an existing folder to publish, e.g. --share ./media or --share "Festival 2026=./media"' },
  name: { key: 'name', kind: 'string', arg: 'NAME', help: 'the name visitors and other nodes see (default the host name)', fix: 'a short name such as "Library Pi"' },
  internet: { key: 'internet', kind: 'bool', help: 'stay on the LAN: never use the public DHT (default: use it when there is Internet)', fix: 'on or off (or use --no-internet)' },
  bootstrap: { key: 'bootstrap', kind: 'hostports', arg: 'HOST:PORT', help: 'use another DHT bootstrap node (repeatable)', fix: 'HOST:PORT, e.g. --bootstrap 10.0.0.1:49737' },
  mirror: { key: 'mirror', kind: 'enum', values: ['all', 'followed'], arg: 'all|followed', help: 'mirror every drive peers offer (default), or only followed ones', fix: '"all" or "followed"' },
  'max-drive-size': { key: 'maxDriveBytes', kind: 'size', arg: 'SIZE', help: 'largest drive to mirror (default 4G)', fix: 'a size such as 500M, 4G or a byte count' },
  'max-total-size': { key: 'maxTotalBytes', kind: 'size', arg: 'SIZE', help: 'disk cap for all drives (default 16G)', fix: 'a size such as 16G or a byte count' },
  copies: { key: 'copies', kind: 'count', range: [1, 16], arg: 'K', help: 'copies of every drive the LAN keeps besides its publisher\'s; give every node the same (default 2)', fix: 'a whole number from 1 to 16, the same on every node, e.g. --copies 2' },
  follow: { key: 'follow', kind: 'keys', arg: 'KEY', help: 'always mirror this drive (repeatable)', fix: 'drive keys (52 z-base-32 characters or 64 hex digits), separated by commas' },
  deny: { key: 'deny', kind: 'keys', arg: 'KEY', help: 'never mirror this drive (repeatable)', fix: 'drive keys (52 z-base-32 characters or 64 hex digits), separated by commas' },
  captive: { key: 'captive', kind: 'bool', help: 'answer phones\' connectivity checks as a captive portal (hotspot mode)', fix: 'on or off' },
  'portal-host': { key: 'portalHost', kind: 'string', arg: 'HOST', help: 'the address phones are sent to in captive mode', fix: 'the name or IP phones should open, e.g. portal.local' },
  'admin-password-file': { key: 'adminPasswordFile', kind: 'path', arg: 'FILE', help: 'the organiser\'s password for /admin', fix: 'a file holding the admin password' },
  'mdns-interfaces': { key: 'mdnsInterfaces', kind: 'list', arg: 'LIST', help: 'limit mDNS to these interfaces, e.g. eth0,wlan0 (default every IPv4 one)', fix: 'interface names such as eth0,wlan0' },
  'release-key': { key: 'releaseKey', kind: 'key', arg: 'KEY', help: 'follow this release drive for updates of p2p-portal itself (shown in /api/status)', fix: 'the release key printed by "p2p-portal release" (52 z-base-32 characters or 64 hex digits)' },
  'release-import': { key: 'releaseImport', kind: 'paths', arg: 'DIR', help: 'look for release bundles (p2p-portal-release-*.tar) in this folder (repeatable; default USB sticks)', fix: 'a folder, e.g. --release-import /media/stick' },
  'updater-socket': { key: 'updaterSocket', kind: 'path', arg: 'PATH', help: 'hand verified releases to the root update helper listening here (the appliance image sets it)', fix: 'the socket of p2p-portal-updater, e.g. /run/p2p-portal/updater.sock' },
  'log-level': { key: 'logLevel', kind: 'enum', values: ['debug', 'info', 'warn', 'error', 'silent'], arg: 'LEVEL', help: 'debug, info, warn, error or silent (default info)', fix: 'debug, info, warn, error or silent' }
}

/** How an option is written on the command line: on/off switches that default to on are shown as --no-X. */
function flagOf (name: string): string {
  const spec = KEYS[name]
  if (spec.kind === 'bool') return DEFAULTS[spec.key] === true ? `--no-${name}` : `--${name}`
  return `--${name} ${spec.arg}`
}

const KNOWN_FLAGS = () => [...Object.keys(KEYS).map(k => flagOf(k).split(' ')[0]), '--config', '--help'].join(', ')

/** The `start` options as `--help` shows them: made from the same table that checks them. */
export function startOptionsUsage (): string {
  const rows: Array<[string, string]> = [
    ...Object.keys(KEYS).map((k): [string, string] => [flagOf(k), KEYS[k].help]),
    ['--config FILE', 'read these options from a "key = value" file (keys without --)'],
    ['--help, -h', 'show this text']
  ]
  const width = Math.max(...rows.map(([f]) => f.length)) + 2
  return rows.map(([f, h]) => `  ${f.padEnd(width)}${h}\n`).join('')
}

/** True when `start`'s arguments ask for help instead of a node. */
export function wantsHelp (argv: string[]): boolean {
  return argv.some(a => a === '--help' || a === '-h')
}

const MULTI = new Set(['share', 'bootstrap', 'follow', 'deny', 'release-import'])

export interface LoadOptions {
  argv?: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/** Parses `start` flags. Returns the raw key/value pairs; validation happens in `buildConfig`. */
export function parseFlags (argv: string[]): { pairs: Array<[string, string]>, configFile: string | null } {
  const pairs: Array<[string, string]> = []
  let configFile: string | null = null
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) throw CONFIG_INVALID(`Unexpected argument "${arg}": options start with --, e.g. --port 8080.`)
    let name = arg.slice(2)
    let value: string | undefined
    const eq = name.indexOf('=')
    if (eq !== -1) { value = name.slice(eq + 1); name = name.slice(0, eq) }
    if (name.startsWith('no-') && KEYS[name.slice(3)]?.kind === 'bool' && value === undefined) {
      pairs.push([name.slice(3), 'off'])
      continue
    }
    if (name === 'config') {
      configFile = value ?? argv[++i] ?? null
      if (!configFile) throw CONFIG_INVALID('--config needs a file path, e.g. --config /boot/firmware/p2p-portal.txt.')
      continue
    }
    const spec = KEYS[name]
    if (!spec) throw CONFIG_INVALID(`Unknown option --${name}. Known options: ${KNOWN_FLAGS()} (p2p-portal start --help explains each).`)
    if (spec.kind === 'bool' && value === undefined && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) {
      pairs.push([name, 'on'])
      continue
    }
    if (value === undefined) value = argv[++i]
    if (value === undefined) throw CONFIG_INVALID(`--${name} needs a value: ${spec.fix}.`)
    pairs.push([name, value])
  }
  return { pairs, configFile }
}

export function loadConfig (opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  const { pairs: flagPairs, configFile } = parseFlags(opts.argv ?? [])
  const file = configFile ?? env.P2P_PORTAL_CONFIG ?? null
  let filePairs: Array<[string, string]> = []
  if (file) {
    let text: string
    try {
      text = fs.readFileSync(path.resolve(cwd, file), 'utf8')
    } catch (err) {
      throw CONFIG_INVALID(`Cannot read config file ${file} (${(err as Error).message}): check the path given with --config.`)
    }
    filePairs = parseConfigText(text, file).filter(([k]) => { if (!KEYS[k]) throw CONFIG_INVALID(`Unknown key "${k}" in ${file}. Known keys: ${Object.keys(KEYS).join(', ')}.`); return true })
  }
  const envPairs: Array<[string, string]> = []
  if (env.P2P_PORTAL_LOG) envPairs.push(['log-level', env.P2P_PORTAL_LOG])
  return buildConfig([...filePairs, ...envPairs, ...flagPairs], cwd, file ? path.dirname(path.resolve(cwd, file)) : cwd)
}

/** Later pairs win. */
export function buildConfig (pairs: Array<[string, string]>, cwd = process.cwd(), fileDir = cwd): Config {
  const cfg: Config = structuredClone(DEFAULTS)
  const given = new Set<string>()
  for (const [name, raw] of pairs) {
    const spec = KEYS[name]
    if (!spec) throw CONFIG_INVALID(`Unknown key "${name}". Known keys: ${Object.keys(KEYS).join(', ')}.`)
    const value = parseValue(name, spec, raw.trim(), fileDir)
    // Repeatable keys add up across the file and the flags; the first one replaces the (empty) default.
    if (MULTI.has(name)) {
      if (!given.has(name)) (cfg as any)[spec.key] = []
      ;(cfg[spec.key] as unknown[]).push(...(value as unknown[]))
    } else {
      (cfg as any)[spec.key] = value
    }
    given.add(name)
  }
  // A small disk cap alone should just work: the per-drive default follows it down.
  if (!given.has('max-drive-size')) cfg.maxDriveBytes = Math.min(cfg.maxDriveBytes, cfg.maxTotalBytes)
  cfg.data = path.resolve(cwd, cfg.data)
  cfg.share = cfg.share.map(s => {
    // "Title=DIR" names the drive; a folder whose own name contains "=" still works as it is.
    const eq = s.indexOf('=')
    if (eq > 0 && !fs.existsSync(path.resolve(cwd, s)) && fs.existsSync(path.resolve(cwd, s.slice(eq + 1)))) {
      const dir = path.resolve(cwd, s.slice(eq + 1))
      cfg.shareTitles[dir] = s.slice(0, eq).trim().slice(0, 120)
      return dir
    }
    return path.resolve(cwd, s)
  })
  cfg.releaseImport = cfg.releaseImport.map(d => path.resolve(cwd, d))
  if (cfg.updaterSocket !== null) cfg.updaterSocket = path.resolve(cwd, cfg.updaterSocket)
  if (!cfg.name) cfg.name = defaultName()
  if (cfg.contentPort === 0) cfg.contentPort = cfg.port === 65535 ? 0 : cfg.port + 1
  if (cfg.contentPort === cfg.port) throw CONFIG_INVALID('content-port must differ from port: drive content needs its own origin.')
  if (cfg.maxDriveBytes > cfg.maxTotalBytes) throw CONFIG_INVALID('max-drive-size is larger than max-total-size: lower max-drive-size or raise max-total-size.')
  for (const dir of cfg.share) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw CONFIG_INVALID(`share: ${dir} is not a folder. Give an existing folder to publish.`)
  }
  return cfg
}

function parseValue (name: string, spec: KeySpec, raw: string, fileDir: string): unknown {
  const bad = () => CONFIG_INVALID(`Bad value for ${name}: "${raw}". Expected ${spec.fix}.`)
  switch (spec.kind) {
    case 'string':
      if (raw.length === 0 || raw.length > 63) throw bad()
      return raw
    case 'path':
      if (raw.length === 0) throw bad()
      return name === 'admin-password-file' ? path.resolve(fileDir, raw) : raw
    case 'paths':
      if (raw.length === 0) throw bad()
      return [raw]
    case 'count': {
      const [min, max] = spec.range!
      if (!/^\d{1,3}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw bad()
      return Number(raw)
    }
    case 'port': {
      if (!/^\d+$/.test(raw)) throw bad()
      const n = Number(raw)
      if (n > 65535 || (n === 0 && name === 'port')) throw bad()
      return n
    }
    case 'bool':
      if (/^(on|yes|true|1)$/i.test(raw)) return true
      if (/^(off|no|false|0)$/i.test(raw)) return false
      throw bad()
    case 'size': {
      const n = parseSize(raw)
      if (!Number.isFinite(n) || n <= 0) throw bad()
      return n
    }
    case 'enum':
      if (!spec.values!.includes(raw)) throw bad()
      return raw
    case 'list':
      return raw.split(',').map(s => s.trim()).filter(Boolean)
    case 'key':
      if (!isKeyText(raw)) throw bad()
      return keyText(parseKey(raw))
    case 'keys':
      // Every other bad value stops the node; a key that can never match would only be a warning, too late.
      return raw.split(',').map(s => s.trim()).filter(Boolean).map(k => {
        if (!isKeyText(k)) throw bad()
        return keyText(parseKey(k))
      })
    case 'hostports':
      return raw.split(',').map(s => s.trim()).filter(Boolean).map(hp => {
        const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(hp)
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw bad()
        return { host: m[1], port: Number(m[2]) }
      })
  }
}

function defaultName (): string {
  const host = os.hostname().replace(/\.local$/, '')
  return host && host !== 'localhost' ? host : 'p2p-portal'
}

/** What systemd tells a service through its environment (Type=notify, WatchdogSec=). */
export interface SystemdEnv { NOTIFY_SOCKET?: string, WATCHDOG_USEC?: string, WATCHDOG_PID?: string }

export function readSystemdEnv (env: NodeJS.ProcessEnv = process.env): SystemdEnv {
  return { NOTIFY_SOCKET: env.NOTIFY_SOCKET, WATCHDOG_USEC: env.WATCHDOG_USEC, WATCHDOG_PID: env.WATCHDOG_PID }
}
