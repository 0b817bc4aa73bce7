// Wi-Fi through NetworkManager: scan, see the current network, join one as a client, set up the hotspot.
//
// One adapter over `node-wifi`, which drives `nmcli`. node-wifi reads the radio: the scan list and the link
// of the current connection. Its known edges are handled here:
// - loading it rewrites LANG/LC_ALL/LC_MESSAGES of the whole process: node-wifi.ts loads it with a private
//   environment instead, so process.env stays as it was and nmcli runs untranslated in C.UTF-8;
// - its scan parser does not undo nmcli's escapes, so "Cafe:Free" comes back split and shifted and a
//   backslash doubled: when a name shows one, the same list is read again from NetworkManager's cache (no
//   new radio scan) with a parser that honours the escapes;
// - its connect() puts the password on nmcli's command line (readable by every user in /proc/<pid>/cmdline)
//   and sends the literal password "undefined" for an open network: joining is done here, with a profile
//   of our own, no security section for an open network, and the passphrase handed over in a 0600 file;
// - it has no access point: the hotspot profile is made here the same way.
import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { BAD_REQUEST, WIFI_FAILED, WIFI_UNAVAILABLE, PortalError } from '../errors.js'
import { logger } from '../log.js'
import { NMCLI_LOCALE, nodeWifi, type NodeWifi } from './node-wifi.js'

const log = logger('wifi')

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
  /** Client mode: the link's signal, 0–100, when the radio reports it. */
  signal?: number
}

export interface WifiJoin {
  ssid: string
  /** WPA2 passphrase (8–63 printable ASCII characters); leave it out for an open network. */
  password?: string
}

export interface WifiAdapterOptions {
  /** Wi-Fi interface, e.g. 'wlan0'; any Wi-Fi device when unset. */
  iface?: string
  /** How long nmcli waits for a connection to come up. */
  activationTimeoutSec?: number
  /** Where the passphrase file lives for the moment nmcli reads it; netd uses its root-only runtime folder. */
  secretDir?: string
}

export const HOTSPOT_CONNECTION = 'p2p-portal-hotspot'
const CLIENT_PREFIX = 'p2p-portal-wifi-'

/** Runs `nmcli args…` in the locale node-wifi's calls get too; resolves its stdout; rejects like execFile. */
function runNmcli (args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nmcli', args, {
      env: { ...process.env, ...NMCLI_LOCALE },
      timeout: 120_000,
      maxBuffer: 4 * 1024 * 1024
    }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }))
      else resolve(stdout)
    }).stdin?.end()
  })
}

export class WifiAdapter {
  private radio: NodeWifi | null = null
  private readonly iface: string | null
  private readonly activationTimeoutSec: number
  private readonly secretDir: string
  // NetworkManager takes one change at a time from us: a scan during a join sees a radio half switched over.
  private queue: Promise<unknown> = Promise.resolve()

  constructor (opts: WifiAdapterOptions = {}) {
    this.iface = opts.iface ?? null
    this.activationTimeoutSec = opts.activationTimeoutSec ?? 45
    this.secretDir = opts.secretDir ?? os.tmpdir()
  }

  /** True when nmcli exists and NetworkManager answers; never throws. */
  async available (): Promise<boolean> {
    try {
      return (await runNmcli(['-t', '-f', 'RUNNING', 'general'])).trim() === 'running'
    } catch {
      return false
    }
  }

  /** Networks in range, strongest first, one entry per SSID; hidden networks are left out. */
  scan (): Promise<WifiNetwork[]> {
    return this.serial(async () => {
      const found = await this.fromRadio('scan', (radio) => radio.scan())
      // nmcli escapes ':' and '\\' in names; node-wifi keeps the escape and splits on the colon.
      if (found.some((n) => n.ssid.includes('\\'))) return strongestFirst(await this.cachedList())
      return strongestFirst(found.map((n) => ({ ssid: n.ssid, signal: n.quality, security: n.security })))
    })
  }

  /** The active Wi-Fi connection, or null when Wi-Fi is idle. */
  current (): Promise<WifiCurrent | null> {
    return this.serial(async () => {
      const name = await this.activeProfile()
      if (name === null) return null
      const details = await this.nm('status', ['-t', '-f', '802-11-wireless.ssid,802-11-wireless.mode', 'connection', 'show', 'id', name])
      const value = (key: string) => details.split('\n').find((l) => l.startsWith(key + ':'))?.slice(key.length + 1) ?? ''
      const ssid = value('802-11-wireless.ssid')
      if (value('802-11-wireless.mode') === 'ap') return { mode: 'hotspot', ssid, connection: name }
      const link = (await this.fromRadio('status', (radio) => radio.getCurrentConnections())).find((l) => l.ssid === ssid)
      return { mode: 'client', ssid, connection: name, ...(link !== undefined && Number.isFinite(link.quality) ? { signal: link.quality } : {}) }
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
      const before = await this.activeProfile()
      await this.nm('join', args)
      try {
        await this.up('join', name, password)
      } catch (err) {
        // A profile with a wrong password would keep autoconnecting and failing on every boot.
        await this.remove(name).catch((e: Error) => log.warn(`could not remove the profile ${name}: ${e.message}`))
        // The radio left the hotspot (or the previous network) to try this one. Go back: the organiser is
        // often on that hotspot, and would otherwise lose the node until it restarts.
        if (before !== null && before !== name) {
          await this.nm('join', ['--wait', String(this.activationTimeoutSec), 'connection', 'up', 'id', before])
            .then(() => log.info(`could not join "${ssid}"; back on "${before}"`))
            .catch((e: Error) => log.warn(`could not join "${ssid}", nor go back to "${before}": ${e.message}`))
        }
        // A wrong passphrase makes NetworkManager ask for secrets again until nmcli gives up (exit code 3).
        if ((err as PortalError).details?.exitCode === 3) {
          throw WIFI_FAILED(`Wi-Fi join failed: "${ssid}" did not accept the connection within ${this.activationTimeoutSec} s. ` +
            'Check the password, and that the network is in range.', { reason: 'wifiJoinRefused', exitCode: 3, ssid, seconds: this.activationTimeoutSec })
        }
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
      await runNmcli(['connection', 'delete', 'id', name])
    } catch (err) {
      // nmcli exit code 10: the connection does not exist.
      if ((err as { code?: unknown }).code === 10) return
      throw nmError('change', err)
    }
  }

  private async nm (what: string, args: string[], secret?: string): Promise<string> {
    try {
      return await runNmcli(args)
    } catch (err) {
      throw nmError(what, err, secret)
    }
  }

  private ifname (): string[] {
    return this.iface === null ? [] : ['ifname', this.iface]
  }

  /** NetworkManager's name for the active Wi-Fi connection (client or hotspot), or null. */
  private async activeProfile (): Promise<string | null> {
    const active = await this.nm('status', ['-t', '-f', 'NAME,TYPE', 'connection', 'show', '--active'])
    return active.split('\n').map(splitTerse).find((f) => f[1] === '802-11-wireless')?.[0] ?? null
  }

  /** A node-wifi call, its failures reported like ours; node-wifi is loaded at the first. */
  private async fromRadio<T> (what: string, call: (radio: NodeWifi) => Promise<T>): Promise<T> {
    this.radio ??= nodeWifi(this.iface)
    try {
      return await call(this.radio)
    } catch (err) {
      throw nmError(what, err)
    }
  }

  /** NetworkManager's last scan results, without scanning again, parsed with nmcli's escapes honoured. */
  private async cachedList (): Promise<WifiNetwork[]> {
    const out = await this.nm('scan', ['-t', '-f', 'SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', '--rescan', 'no', ...this.ifname()])
    return out.split('\n').map(splitTerse).filter((f) => f.length === 3)
      .map(([ssid, signal, security]) => ({ ssid, signal: Number(signal) || 0, security }))
  }

  private serial<T> (task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task)
    this.queue = next.catch(() => { /* the caller gets the error from next; the queue only orders */ })
    return next
  }
}

/**
 * One entry per named network, its strongest signal, strongest first; security '' or '--' or 'none' is 'open'.
 * Signal 0 is left out: while the hotspot runs NetworkManager lists the hotspot itself that way, and a
 * network that weak cannot be joined anyway.
 */
function strongestFirst (networks: WifiNetwork[]): WifiNetwork[] {
  const best = new Map<string, WifiNetwork>()
  for (const n of networks) {
    if (n.ssid === '' || !(n.signal > 0)) continue
    const network = { ssid: n.ssid, signal: n.signal, security: OPEN.has(n.security) ? 'open' : n.security }
    const seen = best.get(n.ssid)
    if (seen === undefined || seen.signal < network.signal) best.set(n.ssid, network)
  }
  return [...best.values()].sort((a, b) => b.signal - a.signal)
}
const OPEN = new Set(['', '--', 'none'])

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
    throw BAD_REQUEST('The network name (SSID) must be 1 to 32 bytes long.', { reason: 'ssidLength', field: 'ssid' })
  }
  // Control characters cannot be typed on a phone and NUL cannot pass through a command line.
  if (/[\x00-\x1f\x7f]/.test(ssid)) throw BAD_REQUEST('The network name (SSID) must not contain control characters.', { reason: 'ssidControlChars', field: 'ssid' })
  return ssid
}

function checkPassword (password: unknown): string | undefined {
  if (password === undefined) return undefined
  if (typeof password !== 'string' || password.length < 8 || password.length > 63) {
    throw BAD_REQUEST('The Wi-Fi password must be 8 to 63 characters long (leave it out for an open network).', { reason: 'wifiPasswordLength', field: 'password' })
  }
  // WPA2 passphrases are printable ASCII (IEEE 802.11i), and nmcli's passwd-file reader trims the value.
  if (!/^[\x20-\x7e]+$/.test(password) || password.trim() !== password) {
    throw BAD_REQUEST('The Wi-Fi password may use only printable ASCII characters and must not start or end with a space.', { reason: 'wifiPasswordChars', field: 'password' })
  }
  return password
}

function nmError (what: string, err: unknown, secret?: string): PortalError {
  const e = err as { code?: unknown, stderr?: string, stdout?: string, message?: string, killed?: boolean }
  if (e.code === 'ENOENT') {
    return WIFI_UNAVAILABLE('Wi-Fi settings need NetworkManager, and nmcli was not found on this machine.', { reason: 'nmcliMissing' })
  }
  // nmcli exit code 8: NetworkManager is not running.
  if (e.code === 8) return WIFI_UNAVAILABLE('Wi-Fi settings need NetworkManager, and it is not running.', { reason: 'networkManagerStopped' })
  if (e.killed === true) return WIFI_FAILED(`Wi-Fi ${what} failed: nmcli did not finish in time.`, { reason: 'nmcliTimeout' })
  const raw = (e.stderr ?? '').trim() || (e.stdout ?? '').trim() || (e.message ?? 'unknown error')
  // nmcli puts "Warning:" and "Hint:" lines around the one that matters.
  const lines = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Hint:'))
  const errors = lines.filter((l) => l.startsWith('Error:'))
  let text = (errors.length > 0 ? errors : lines).map((l) => l.replace(/^Error:\s*/, '')).join(' ')
  // nmcli does not echo secrets today; this keeps a future message from carrying one into logs and pages.
  if (secret !== undefined) text = text.split(secret).join('***')
  return WIFI_FAILED(`Wi-Fi ${what} failed: ${text}`, { reason: 'nmcliFailed', exitCode: e.code, detail: text })
}
