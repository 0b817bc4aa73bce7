import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { WifiAdapter, HOTSPOT_CONNECTION, splitTerse } from '../../services/wifi/wifi-adapter.js'
import { isPortalError } from '../../services/errors.js'
import { setLogLevel } from '../../services/log.js'
import { createFakeNmcli, type FakeNmcli } from '../helpers/fake-nmcli.js'

const SECRET = 'correct horse battery'
const localeNow = () => ({ LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES })
// Before any adapter exists, so before node-wifi is loaded.
const LOCALE_BEFORE_NODE_WIFI = localeNow()

describe('WifiAdapter over node-wifi (against a fake nmcli on PATH)', () => {
  let nmcli: FakeNmcli
  let wifi: WifiAdapter
  let secretDir: string

  beforeEach(async () => {
    setLogLevel('silent')
    nmcli = await createFakeNmcli({
      networks: [
        { ssid: 'Home', signal: 40, security: 'WPA2' },
        { ssid: 'Cafe:Free', signal: 70, security: '' },
        { ssid: 'Home', signal: 82, security: 'WPA2' },
        { ssid: '', signal: 90, security: 'WPA2' },
        { ssid: 'Café ☕ back\\slash', signal: 55, security: 'WPA1 WPA2' }
      ],
      passwords: { Home: SECRET }
    })
    nmcli.install()
    secretDir = path.join(nmcli.dir, 'secrets')
    await fs.mkdir(secretDir)
    wifi = new WifiAdapter({ secretDir })
  })

  afterEach(async () => {
    await nmcli.remove()
    setLogLevel('info')
  })

  const argvs = async () => (await nmcli.calls()).map((c) => c.argv)

  it('reports NetworkManager as available when it runs', async () => {
    expect(await wifi.available()).toBe(true)
  })

  it('lists networks strongest first, one per SSID, hidden ones left out, colons and UTF-8 intact', async () => {
    expect(await wifi.scan()).toEqual([
      { ssid: 'Home', signal: 82, security: 'WPA2' },
      { ssid: 'Cafe:Free', signal: 70, security: 'open' },
      { ssid: 'Café ☕ back\\slash', signal: 55, security: 'WPA1 WPA2' }
    ])
    // node-wifi scanned; its parser split "Cafe:Free", so the same list was read again from NetworkManager's
    // cache, without a second radio scan.
    const [byNodeWifi, again] = await argvs()
    expect(byNodeWifi).toEqual(['--terse', '--fields', 'active,ssid,bssid,mode,chan,freq,signal,security,wpa-flags,rsn-flags', 'device', 'wifi', 'list'])
    expect(again).toEqual(['-t', '-f', 'SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', '--rescan', 'no'])
  })

  it('takes node-wifi\'s scan as it is when no name needed nmcli\'s escapes, leaving out the hotspot itself (signal 0)', async () => {
    await nmcli.setState({
      networks: [{ ssid: 'Library', signal: 64, security: 'WPA2' }, { ssid: 'Park', signal: 30, security: '' }, { ssid: 'Portal', signal: 0, security: 'WPA2' }]
    })
    expect(await wifi.scan()).toEqual([
      { ssid: 'Library', signal: 64, security: 'WPA2' },
      { ssid: 'Park', signal: 30, security: 'open' }
    ])
    expect(await nmcli.calls()).toHaveLength(1)
  })

  it('scans and joins on the interface it was given', async () => {
    const wlan1 = new WifiAdapter({ secretDir, iface: 'wlan1' })
    await wlan1.scan()
    await wlan1.join({ ssid: 'Home', password: SECRET })
    const all = await argvs()
    expect(all[0].slice(-2)).toEqual(['ifname', 'wlan1'])
    expect(all.find((a) => a.includes('add'))).toEqual(expect.arrayContaining(['ifname', 'wlan1']))
    // node-wifi's init() would keep wlan1 for the whole process; an adapter for any device is not bound to it.
    await wifi.scan()
    const byNodeWifi = (await argvs()).filter((a) => a[0] === '--terse')
    expect(byNodeWifi).toHaveLength(2)
    expect(byNodeWifi[1]).not.toContain('ifname')
  })

  it('joins a WPA2 network without the password ever appearing on a command line', async () => {
    await wifi.join({ ssid: 'Home', password: SECRET })

    const calls = await nmcli.calls()
    for (const call of calls) expect(call.argv.join(' ')).not.toContain(SECRET)
    const up = calls.find((c) => c.argv.includes('up'))!
    const file = up.argv[up.argv.indexOf('passwd-file') + 1]
    expect(up.input).toBe(`802-11-wireless-security.psk:${SECRET}\n`)
    expect(up.inputMode).toBe(0o600)
    expect(path.dirname(path.dirname(file))).toBe(secretDir)
    expect(await fs.readdir(secretDir)).toEqual([])

    const state = await nmcli.state()
    expect(state.active).toBe('p2p-portal-wifi-Home')
    expect(state.profiles['p2p-portal-wifi-Home']).toMatchObject({
      '802-11-wireless.ssid': 'Home',
      '802-11-wireless-security.key-mgmt': 'wpa-psk',
      'connection.autoconnect': 'yes'
    })
    expect(await wifi.current()).toEqual({ mode: 'client', ssid: 'Home', connection: 'p2p-portal-wifi-Home', signal: 82 })
  })

  it('joins an open network with no security settings and no "undefined" password', async () => {
    await wifi.join({ ssid: 'Cafe:Free' })

    const all = (await argvs()).flat()
    expect(all).not.toContain('undefined')
    expect(all).not.toContain('passwd-file')
    expect(all.some((a) => a.startsWith('wifi-sec') || a.startsWith('802-11-wireless-security'))).toBe(false)
    expect((await nmcli.state()).active).toBe('p2p-portal-wifi-Cafe:Free')
    expect(await wifi.current()).toMatchObject({ mode: 'client', ssid: 'Cafe:Free' })
  })

  it('reports a wrong password as WIFI_FAILED saying what to check, forgets the profile, and goes back to the hotspot', async () => {
    await wifi.setHotspot({ ssid: 'Portal', password: SECRET })
    const err = await wifi.join({ ssid: 'Home', password: 'wrong password' }).catch((e: unknown) => e)
    expect(isPortalError(err, 'WIFI_FAILED')).toBe(true)
    expect((err as Error).message).toBe('Wi-Fi join failed: "Home" did not accept the connection within 45 s. ' +
      'Check the password, and that the network is in range.')
    expect((err as Error).message).not.toContain('wrong password')
    const state = await nmcli.state()
    expect(Object.keys(state.profiles)).toEqual([HOTSPOT_CONNECTION])
    // The organiser on the hotspot keeps the node.
    expect(state.active).toBe(HOTSPOT_CONNECTION)
    expect(await fs.readdir(secretDir)).toEqual([])
  })

  it('goes back to the network it was on after a failed join, and reports nmcli\'s own reason for other failures', async () => {
    await wifi.join({ ssid: 'Cafe:Free' })
    await nmcli.setState({ unreachable: ['Elsewhere'] })
    const err = await wifi.join({ ssid: 'Elsewhere', password: SECRET }).catch((e: unknown) => e)
    expect(isPortalError(err, 'WIFI_FAILED')).toBe(true)
    expect((err as Error).message).toBe('Wi-Fi join failed: Connection activation failed: The Wi-Fi network could not be found')
    expect((await nmcli.state()).active).toBe('p2p-portal-wifi-Cafe:Free')
  })

  it('sets up a WPA2 hotspot profile as DESIGN.md describes, password kept off the command line', async () => {
    await wifi.setHotspot({ ssid: 'Library of Things', password: SECRET })

    for (const argv of await argvs()) expect(argv.join(' ')).not.toContain(SECRET)
    const profile = (await nmcli.state()).profiles[HOTSPOT_CONNECTION]
    expect(profile).toMatchObject({
      '802-11-wireless.ssid': 'Library of Things',
      '802-11-wireless.mode': 'ap',
      '802-11-wireless.ap-isolation': 'yes',
      'ipv4.method': 'shared',
      'ipv4.addresses': '10.42.0.1/24',
      'ipv6.method': 'disabled',
      '802-11-wireless-security.key-mgmt': 'wpa-psk',
      '802-11-wireless-security.proto': 'rsn',
      '802-11-wireless-security.psk': SECRET
    })
    expect(await wifi.current()).toEqual({ mode: 'hotspot', ssid: 'Library of Things', connection: HOTSPOT_CONNECTION })
  })

  it('replaces a WPA2 hotspot with an open one, leaving no old secret behind', async () => {
    await wifi.setHotspot({ ssid: 'Portal', password: SECRET })
    await wifi.setHotspot({ ssid: 'Portal (open)' })

    const profile = (await nmcli.state()).profiles[HOTSPOT_CONNECTION]
    expect(profile['802-11-wireless.ssid']).toBe('Portal (open)')
    expect(Object.keys(profile).some((k) => k.startsWith('802-11-wireless-security'))).toBe(false)
    expect((await nmcli.state()).active).toBe(HOTSPOT_CONNECTION)
  })

  it('rejects bad names and passwords as BAD_REQUEST before touching nmcli', async () => {
    const bad = [
      () => wifi.join({ ssid: '' }),
      () => wifi.join({ ssid: 'é'.repeat(17) }), // 34 bytes
      () => wifi.join({ ssid: 'a\nb' }),
      () => wifi.join({ ssid: 'Home', password: 'short' }),
      () => wifi.join({ ssid: 'Home', password: '' }),
      () => wifi.setHotspot({ ssid: 'Portal', password: 'x'.repeat(64) }),
      () => wifi.setHotspot({ ssid: 'Portal', password: 'pässwörd123' }),
      () => wifi.setHotspot({ ssid: 'Portal', password: ' leading-space' })
    ]
    for (const call of bad) {
      const err = await call().catch((e: unknown) => e)
      expect(isPortalError(err, 'BAD_REQUEST')).toBe(true)
    }
    expect(await nmcli.calls()).toEqual([])
    // The limits themselves are fine.
    await expect(wifi.join({ ssid: 'x'.repeat(32), password: 'y'.repeat(63) })).resolves.toBeUndefined()
    await expect(wifi.setHotspot({ ssid: 'é'.repeat(16), password: '12345678' })).resolves.toBeUndefined()
  })

  it('loads node-wifi without it changing LANG or LC_ALL of this process, and runs every nmcli in C.UTF-8', async () => {
    await wifi.scan()
    await wifi.join({ ssid: 'Home', password: SECRET })
    await wifi.current()
    expect(localeNow()).toEqual(LOCALE_BEFORE_NODE_WIFI)
    const calls = await nmcli.calls()
    expect(calls.some((c) => c.argv.includes('active,ssid,bssid,mode,chan,freq,signal,security,wpa-flags,rsn-flags'))).toBe(true)
    for (const call of calls) expect(call.env).toEqual({ LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' })
  })

  it('reports no current network when Wi-Fi is idle', async () => {
    expect(await wifi.current()).toBe(null)
  })

  it('says NetworkManager is needed when it is not running', async () => {
    await nmcli.setState({ running: false })
    expect(await wifi.available()).toBe(false)
    const err = await wifi.scan().catch((e: unknown) => e)
    expect(isPortalError(err, 'WIFI_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toMatch(/NetworkManager.*not running/)
  })

  it('says NetworkManager is needed when nmcli is not installed', async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'no-nmcli-'))
    const saved = process.env.PATH
    process.env.PATH = empty
    try {
      expect(await wifi.available()).toBe(false)
      const err = await wifi.join({ ssid: 'Home', password: SECRET }).catch((e: unknown) => e)
      expect(isPortalError(err, 'WIFI_UNAVAILABLE')).toBe(true)
      expect((err as Error).message).toMatch(/NetworkManager/)
    } finally {
      process.env.PATH = saved
      await fs.rm(empty, { recursive: true })
    }
  })

  it('runs one nmcli command at a time, node-wifi\'s included', async () => {
    await nmcli.setState({ delayMs: 30 })
    await Promise.all([wifi.scan(), wifi.join({ ssid: 'Cafe:Free' }), wifi.setHotspot({ ssid: 'B' }), wifi.current(), wifi.scan()])
    const calls = (await nmcli.calls()).sort((a, b) => a.started - b.started)
    expect(calls.length).toBeGreaterThan(6)
    for (let i = 1; i < calls.length; i++) expect(calls[i].started).toBeGreaterThanOrEqual(calls[i - 1].ended)
  })
})

describe('splitTerse', () => {
  it('splits on colons and honours nmcli\'s \\: and \\\\ escapes', () => {
    expect(splitTerse('a\\:b:c\\\\:')).toEqual(['a:b', 'c\\', ''])
    expect(splitTerse('')).toEqual([])
  })
})
