// A stand-in for the radio: an executable called `nmcli`, first on PATH, that answers the commands the Wi-Fi
// adapter and node-wifi use the way NetworkManager 1.42-1.52 does, keeps its state in a JSON file, and records every call
// (argv, passwd-file contents, locale variables) so tests can check what would have reached nmcli.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export interface FakeNetwork { ssid: string, signal: number, security: string }

export interface FakeState {
  running: boolean
  networks: FakeNetwork[]
  /** Profiles by name: settings keyed by their full nmcli names, e.g. '802-11-wireless.ssid'. */
  profiles: Record<string, Record<string, string>>
  active: string | null
  /** Passwords the networks accept, by SSID; a join with another one fails like a wrong password does. */
  passwords: Record<string, string>
  /** How long every call takes, in ms. */
  delayMs?: number
  /** SSIDs whose activation fails as out of range. */
  unreachable?: string[]
}

export interface NmcliCall {
  argv: string[]
  /** Contents of the passwd-file, and its permission bits. */
  input: string
  inputMode: number | null
  env: { LANG: string | null, LC_ALL: string | null }
  /** When the call began and answered (ms since the epoch). */
  started: number
  ended: number
}

export interface FakeNmcli {
  dir: string
  state (): Promise<FakeState>
  setState (patch: Partial<FakeState>): Promise<void>
  calls (): Promise<NmcliCall[]>
  /** Puts the fake first on process.env.PATH (tests only). */
  install (): void
  remove (): Promise<void>
}

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('fs')
const path = require('path')
const dir = __dirname
const statePath = path.join(dir, 'state.json')
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'))
const argv = process.argv.slice(2)
const pf = argv.indexOf('passwd-file')
let input = ''
let inputMode = null
if (pf >= 0) {
  input = fs.readFileSync(argv[pf + 1], 'utf8')
  inputMode = fs.statSync(argv[pf + 1]).mode & 0o777
}
const started = Date.now()
// Takes as long as a real NetworkManager might, when a test asks it to.
if (state.delayMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, state.delayMs)
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({
  argv, input, inputMode, env: { LANG: process.env.LANG ?? null, LC_ALL: process.env.LC_ALL ?? null }, started, ended: Date.now()
}) + '\n')
const save = () => fs.writeFileSync(statePath, JSON.stringify(state))
const done = (out) => { save(); process.stdout.write(out); process.exit(0) }
const fail = (code, msg) => { save(); process.stderr.write('Error: ' + msg + '\n'); process.exit(code) }
const esc = (s) => String(s).replace(/\\/g, '\\\\').replace(/:/g, '\\:')

let fields = []
let wait
const rest = []
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  if (a === '-t' || a === '--terse') continue
  if (a === '-f' || a === '--fields') { fields = argv[++i].split(','); continue }
  if (a === '-w' || a === '--wait') { wait = Number(argv[++i]); continue }
  rest.push(a)
}
if (!state.running) fail(8, 'NetworkManager is not running.')
const cmd = rest.join(' ')
const ALIAS = { 'con-name': 'connection.id', type: 'connection.type', ifname: 'connection.interface-name', ssid: '802-11-wireless.ssid' }
const full = (k) => ALIAS[k] ?? k.replace(/^wifi-sec\./, '802-11-wireless-security.').replace(/^wifi\./, '802-11-wireless.')

if (cmd === 'general') done('running\n')
// node-wifi asks for lower-case fields ("active,ssid,bssid,..."), and for "device wifi" without "list" when it
// was given no interface; every AP gets a BSSID and channel of its own.
if (cmd === 'device wifi' || cmd.startsWith('device wifi list')) {
  const activeSsid = state.active === null ? null : state.profiles[state.active]?.['802-11-wireless.ssid']
  // The radio is associated with one AP of the network: its strongest.
  const joined = state.networks.filter((n) => n.ssid === activeSsid).sort((a, b) => b.signal - a.signal)[0]
  const row = (n, i) => ({
    ACTIVE: n === joined ? 'yes' : 'no', SSID: n.ssid, BSSID: '02:00:00:00:00:' + (16 + i).toString(16).toUpperCase(),
    MODE: 'Infra', CHAN: String(1 + (i % 11)), FREQ: (2412 + 5 * (i % 11)) + ' MHz', SIGNAL: String(n.signal),
    SECURITY: n.security, 'WPA-FLAGS': '(none)', 'RSN-FLAGS': n.security === '' ? '(none)' : 'pair_ccmp group_ccmp psk', DEVICE: 'wlan0'
  })
  done(state.networks.map((n, i) => fields.map((f) => esc(row(n, i)[f.toUpperCase()])).join(':') + '\n').join(''))
}
if (cmd === 'connection show --active') {
  const rows = state.active === null ? [] : [{ NAME: state.active, TYPE: '802-11-wireless', DEVICE: 'wlan0' }]
  done(rows.map((r) => fields.map((f) => esc(r[f])).join(':') + '\n').join(''))
}
if (rest[0] === 'connection' && rest[1] === 'show' && rest[2] === 'id') {
  const p = state.profiles[rest[3]]
  if (!p) fail(10, 'no such connection profile.')
  done(fields.map((f) => f + ':' + (p[f] ?? (f === '802-11-wireless.mode' ? 'infrastructure' : '')) + '\n').join(''))
}
if (rest[0] === 'connection' && rest[1] === 'delete' && rest[2] === 'id') {
  if (!state.profiles[rest[3]]) fail(10, "unknown connection '" + rest[3] + "'.")
  delete state.profiles[rest[3]]
  if (state.active === rest[3]) state.active = null
  done("Connection '" + rest[3] + "' successfully deleted.\n")
}
if (rest[0] === 'connection' && rest[1] === 'add') {
  const p = {}
  for (let i = 2; i < rest.length; i += 2) p[full(rest[i])] = rest[i + 1]
  if (p['connection.type'] === 'wifi') p['connection.type'] = '802-11-wireless'
  for (const v of Object.values(p)) if (v === 'undefined') fail(2, "invalid value 'undefined'.")
  state.profiles[p['connection.id']] = p
  done("Connection '" + p['connection.id'] + "' (0f1e2d3c-0000-4000-8000-000000000000) successfully added.\n")
}
if (rest[0] === 'connection' && rest[1] === 'up' && rest[2] === 'id') {
  const p = state.profiles[rest[3]]
  if (!p) fail(10, "unknown connection '" + rest[3] + "'.")
  // One radio: whatever it ran (the hotspot, another network) stops while it tries this one.
  state.active = null
  const secured = '802-11-wireless-security.key-mgmt' in p
  const line = input.split('\n').find((l) => l.startsWith('802-11-wireless-security.psk:'))
  const psk = line === undefined ? undefined : line.slice('802-11-wireless-security.psk:'.length)
  if (secured && psk === undefined && p['802-11-wireless-security.psk'] === undefined) {
    process.stderr.write("Warning: password for '802-11-wireless-security.psk' not given in 'passwd-file' and nmcli cannot ask without '--ask' option.\n")
    fail(4, 'Connection activation failed: Secrets were required, but not provided\nHint: use \'journalctl -xe NM_CONNECTION=0f1e\' to get more details.')
  }
  const want = state.passwords[p['802-11-wireless.ssid']]
  if ((state.unreachable ?? []).includes(p['802-11-wireless.ssid'])) {
    fail(4, 'Connection activation failed: The Wi-Fi network could not be found')
  }
  // As NetworkManager 1.52 does with a wrong passphrase: it asks for secrets again, nmcli hands over the same
  // file, and so on until nmcli's wait runs out.
  if (p['802-11-wireless.mode'] !== 'ap' && want !== undefined && (psk ?? p['802-11-wireless-security.psk']) !== want) {
    fail(3, 'Timeout expired (' + (wait ?? 90) + ' seconds)')
  }
  if (secured && psk !== undefined) p['802-11-wireless-security.psk'] = psk
  state.active = rest[3]
  done('Connection successfully activated (D-Bus active path: /org/freedesktop/NetworkManager/ActiveConnection/7)\n')
}
fail(2, "argument '" + rest[0] + "' not understood.")
`

export async function createFakeNmcli (initial: Partial<FakeState> = {}): Promise<FakeNmcli> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-nmcli-'))
  const statePath = path.join(dir, 'state.json')
  const callsPath = path.join(dir, 'calls.jsonl')
  const state: FakeState = { running: true, networks: [], profiles: {}, active: null, passwords: {}, ...initial }
  await fs.writeFile(statePath, JSON.stringify(state))
  await fs.writeFile(callsPath, '')
  // No package.json above the temp dir, so Node runs this extensionless script as CommonJS.
  await fs.writeFile(path.join(dir, 'nmcli'), SCRIPT, { mode: 0o755 })
  let savedPath: string | undefined
  return {
    dir,
    state: async () => JSON.parse(await fs.readFile(statePath, 'utf8')) as FakeState,
    setState: async (patch) => {
      const now = JSON.parse(await fs.readFile(statePath, 'utf8')) as FakeState
      await fs.writeFile(statePath, JSON.stringify({ ...now, ...patch }))
    },
    calls: async () => (await fs.readFile(callsPath, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as NmcliCall),
    install: () => {
      savedPath = process.env.PATH
      process.env.PATH = `${dir}${path.delimiter}${process.env.PATH ?? ''}`
    },
    remove: async () => {
      if (savedPath !== undefined) process.env.PATH = savedPath
      await fs.rm(dir, { recursive: true, force: true })
    }
  }
}
