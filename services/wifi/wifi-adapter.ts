// Wi-Fi through NetworkManager: scan, see the current network, join one as a client, set up the hotspot.
//
// This adapter drives `nmcli` itself instead of calling `node-wifi` (which is also only an nmcli wrapper),
// because each of node-wifi's Linux functions has an edge we must not have:
// - connect() puts the password on nmcli's command line (readable by every user in /proc/<pid>/cmdline) and
//   passes the literal string "undefined" as the password of an open network;
// - its scan parser splits nmcli's terse output on every ':', so an SSID such as "Cafe:Free" shifts every field;
// - loading it writes LANG/LC_ALL/LC_MESSAGES=en_US.UTF-8 into process.env for the whole process (a locale
//   the image may not even have);
// - it cannot make an access point.
// Like node-wifi it parses nmcli's terse output in an untranslated locale, but sets C.UTF-8 in nmcli's own
// environment only, so process.env is untouched and UTF-8 SSIDs stay intact.
import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { BAD_REQUEST, WIFI_FAILED, WIFI_UNAVAILABLE, PortalError } from '../errors.js'
import { logger } from '../log.js'

const log = logger('wifi')

/** Runs `nmcli args…`; resolves its stdout; rejects like execFile (code = exit code or 'ENOENT', stdout, stderr). */
export type NmcliRunner = (args: string[]) => Promise<string>

export interface WifiNetwork {
  ssid: string
  /** 0–100, as nmcli reports it. */
  signal: number
  /** 'open', or nmcli's list of schemes, e.g. 'WPA2' or 'WPA1 WPA2'. */
  security: string
}

export interface WifiCurrent {
  mode: 'client' | 'hotspot'
  ssid: string
  /** NetworkManager's profile name. */
  connection: string
}

export interface WifiJoin {
  ssid: string
  /** WPA2 passphrase (8–63 printable ASCII characters); leave it out for an open network. */
  password?: string
}

export interface WifiAdapterOptions {
  run?: NmcliRunner
  /** Wi-Fi interface, e.g. 'wlan0'; any Wi-Fi device when unset. */
  iface?: string
  /** How long nmcli waits for a connection to come up. */
  activationTimeoutSec?: number
  /** Where the passphrase file lives for the moment nmcli reads it; netd uses its root-only runtime folder. */
  secretDir?: string
}

export const HOTSPOT_CONNECTION = 'p2p-portal-hotspot'
const CLIENT_PREFIX = 'p2p-portal-wifi-'

/** The default runner: the real nmcli, in the C.UTF-8 locale so its terse output and messages are not translated. */
export const runNmcli: NmcliRunner = (args) => new Promise((resolve, reject) => {
  execFile('nmcli', args, {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    timeout: 120_000,
    maxBuffer: 4 * 1024 * 1024
  }, (err, stdout, stderr) => {
    if (err) reject(Object.assign(err, { stdout, stderr }))
    else resolve(stdout)
  }).stdin?.end()
})

export class WifiAdapter {
  private readonly run: NmcliRunner
  private readonly iface: string | null
  private readonly activationTimeoutSec: number
  private readonly secretDir: string
  // NetworkManager takes one change at a time from us: a scan during a join sees a radio half switched over.
  private queue: Promise<unknown> = Promise.resolve()

  constructor (opts: WifiAdapterOptions = {}) {
    this.run = opts.run ?? runNmcli
    this.iface = opts.iface ?? null
    this.activationTimeoutSec = opts.activationTimeoutSec ?? 45
    this.secretDir = opts.secretDir ?? os.tmpdir()
  }

  /** True when nmcli exists and NetworkManager answers; never throws. */
  async available (): Promise<boolean> {
    try {
      return (await this.run(['-t', '-f', 'RUNNING', 'general'])).trim() === 'running'
    } catch {
      return false
    }
  }

  /** Networks in range, strongest first, one entry per SSID; hidden networks are left out. */
  scan (): Promise<WifiNetwork[]> {
    return this.serial(async () => {
      const out = await this.nm('scan', ['-t', '-f', 'SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', ...this.ifname()])
      const best = new Map<string, WifiNetwork>()
      for (const line of out.split('\n')) {
        const fields = splitTerse(line)
        if (fields.length !== 3 || fields[0] === '') continue
        const [ssid, signal, security] = fields
        const network = { ssid, signal: Number(signal) || 0, security: security === '' || security === '--' ? 'open' : security }
        const seen = best.get(ssid)
        if (seen === undefined || seen.signal < network.signal) best.set(ssid, network)
      }
      return [...best.values()].sort((a, b) => b.signal - a.signal)
    })
  }

  /** The active Wi-Fi connection, or null when Wi-Fi is idle. */
  current (): Promise<WifiCurrent | null> {
    return this.serial(async () => {
      const active = await this.nm('status', ['-t', '-f', 'NAME,TYPE', 'connection', 'show', '--active'])
      const wifi = active.split('\n').map(splitTerse).find((f) => f[1] === '802-11-wireless')
      if (wifi === undefined) return null
      const name = wifi[0]
      const details = await this.nm('status', ['-t', '-f', '802-11-wireless.ssid,802-11-wireless.mode', 'connection', 'show', 'id', name])
      const value = (key: string) => details.split('\n').find((l) => l.startsWith(key + ':'))?.slice(key.length + 1) ?? ''
      return { mode: value('802-11-wireless.mode') === 'ap' ? 'hotspot' : 'client', ssid: value('802-11-wireless.ssid'), connection: name }
    })
  }

  /** Joins a network as a client, remembered (autoconnect) under its own profile. */
  async join (req: WifiJoin): Promise<void> {
    const ssid = checkSsid(req.ssid)
    const password = checkPassword(req.password)
    return this.serial(async () => {
      const name = CLIENT_PREFIX + ssid
      await this.remove(name)
      const args = ['connection', 'add', 'type', 'wifi', 'con-name', name, 'ifname', this.iface ?? '*', 'ssid', ssid,
        'connection.autoconnect', 'yes']
      // An open network has no security section at all (node-wifi sent the password "undefined" instead).
      if (password !== undefined) args.push('wifi-sec.key-mgmt', 'wpa-psk')
      await this.nm('join', args)
      try {
        await this.up('join', name, password)
      } catch (err) {
        // A profile with a wrong password would keep autoconnecting and failing on every boot.
        await this.remove(name).catch(() => {})
        throw err
      }
      log.info(`joined Wi-Fi network "${ssid}"`)
    })
  }

  /** (Re)creates the hotspot profile and brings it up: WPA2 with a password, open without one. */
  async setHotspot (req: WifiJoin): Promise<void> {
    const ssid = checkSsid(req.ssid)
    const password = checkPassword(req.password)
    return this.serial(async () => {
      // A fresh profile rather than `modify`: switching to open must not leave the old secret behind.
      await this.remove(HOTSPOT_CONNECTION)
      const args = ['connection', 'add', 'type', 'wifi', 'con-name', HOTSPOT_CONNECTION, 'ifname', this.iface ?? '*',
        'ssid', ssid, 'connection.autoconnect', 'yes',
        // 2.4 GHz: every phone sees it, and the Pi's radio may not start an AP on 5 GHz channels.
        '802-11-wireless.mode', 'ap', '802-11-wireless.band', 'bg',
        // Visitors' phones must not reach each other, only the portal.
        '802-11-wireless.ap-isolation', 'yes',
        // NetworkManager runs dnsmasq for DHCP/DNS; the captive-portal drop-in relies on this address.
        'ipv4.method', 'shared', 'ipv4.addresses', '10.42.0.1/24', 'ipv6.method', 'disabled']
      if (password !== undefined) {
        // WPA2-only (CCMP): TKIP is broken and mixed mode confuses some phones. The Pi's brcmfmac firmware
        // fails to start an AP that requires protected management frames.
        args.push('wifi-sec.key-mgmt', 'wpa-psk', 'wifi-sec.proto', 'rsn', 'wifi-sec.pairwise', 'ccmp',
          'wifi-sec.group', 'ccmp', 'wifi-sec.pmf', 'disable')
      }
      await this.nm('hotspot', args)
      await this.up('hotspot', HOTSPOT_CONNECTION, password)
      log.info(`hotspot "${ssid}" is up (${password === undefined ? 'open' : 'WPA2'})`)
    })
  }

  /**
   * Activates a profile. The passphrase never goes on a command line: nmcli reads it from a `passwd-file` and
   * answers NetworkManager's secret request with it; NetworkManager then stores it in the profile (psk-flags 0,
   * a root-only file) so the connection comes back after a reboot. The file is not /dev/stdin because Node
   * gives a child a socket, not a pipe, as stdin, and open() of a socket fails (ENXIO); it is a 0600 file in a
   * fresh 0700 folder under `secretDir`, removed as soon as nmcli returns.
   */
  private async up (what: string, name: string, password: string | undefined): Promise<void> {
    const args = ['--wait', String(this.activationTimeoutSec), 'connection', 'up', 'id', name]
    if (password === undefined) return void await this.nm(what, args)
    const dir = await fs.mkdtemp(path.join(this.secretDir, 'p2p-portal-wifi-'))
    try {
      const file = path.join(dir, 'secrets')
      await fs.writeFile(file, `802-11-wireless-security.psk:${password}\n`, { mode: 0o600, flag: 'wx' })
      await this.nm(what, [...args, 'passwd-file', file], password)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  }

  /** Deletes a profile we own; one that does not exist is fine. */
  private async remove (name: string): Promise<void> {
    try {
      await this.run(['connection', 'delete', 'id', name])
    } catch (err) {
      // nmcli exit code 10: the connection does not exist.
      if ((err as { code?: unknown }).code === 10) return
      throw nmError('change', err)
    }
  }

  private async nm (what: string, args: string[], secret?: string): Promise<string> {
    try {
      return await this.run(args)
    } catch (err) {
      throw nmError(what, err, secret)
    }
  }

  private ifname (): string[] {
    return this.iface === null ? [] : ['ifname', this.iface]
  }

  private serial<T> (task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task)
    this.queue = next.catch(() => {})
    return next
  }
}

/** nmcli's terse format: fields split on ':', with '\:' and '\\' escaping a literal colon and backslash. */
export function splitTerse (line: string): string[] {
  if (line === '') return []
  const fields: string[] = []
  let field = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '\\' && i + 1 < line.length) field += line[++i]
    else if (c === ':') { fields.push(field); field = '' } else field += c
  }
  fields.push(field)
  return fields
}

function checkSsid (ssid: unknown): string {
  if (typeof ssid !== 'string' || ssid.length === 0 || Buffer.byteLength(ssid) > 32) {
    throw BAD_REQUEST('The network name (SSID) must be 1 to 32 bytes long.')
  }
  // Control characters cannot be typed on a phone and NUL cannot pass through a command line.
  if (/[\x00-\x1f\x7f]/.test(ssid)) throw BAD_REQUEST('The network name (SSID) must not contain control characters.')
  return ssid
}

function checkPassword (password: unknown): string | undefined {
  if (password === undefined) return undefined
  if (typeof password !== 'string' || password.length < 8 || password.length > 63) {
    throw BAD_REQUEST('The Wi-Fi password must be 8 to 63 characters long (leave it out for an open network).')
  }
  // WPA2 passphrases are printable ASCII (IEEE 802.11i), and nmcli's passwd-file reader trims the value.
  if (!/^[\x20-\x7e]+$/.test(password) || password.trim() !== password) {
    throw BAD_REQUEST('The Wi-Fi password may use only printable ASCII characters and must not start or end with a space.')
  }
  return password
}

function nmError (what: string, err: unknown, secret?: string): PortalError {
  const e = err as { code?: unknown, stderr?: string, stdout?: string, message?: string, killed?: boolean }
  if (e.code === 'ENOENT') {
    return WIFI_UNAVAILABLE('Wi-Fi settings need NetworkManager, and nmcli was not found on this machine.')
  }
  // nmcli exit code 8: NetworkManager is not running.
  if (e.code === 8) return WIFI_UNAVAILABLE('Wi-Fi settings need NetworkManager, and it is not running.')
  if (e.killed === true) return WIFI_FAILED(`Wi-Fi ${what} failed: nmcli did not finish in time.`)
  const raw = (e.stderr ?? '').trim() || (e.stdout ?? '').trim() || (e.message ?? 'unknown error')
  // nmcli puts "Warning:" and "Hint:" lines around the one that matters.
  const lines = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Hint:'))
  const errors = lines.filter((l) => l.startsWith('Error:'))
  let text = (errors.length > 0 ? errors : lines).map((l) => l.replace(/^Error:\s*/, '')).join(' ')
  // nmcli does not echo secrets today; this keeps a future message from carrying one into logs and pages.
  if (secret !== undefined) text = text.split(secret).join('***')
  return WIFI_FAILED(`Wi-Fi ${what} failed: ${text}`, { exitCode: e.code })
}
