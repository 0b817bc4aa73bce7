import { describe, it, expect, afterAll } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig, parseFlags } from '../../services/config/config.js'
import { parseConfigText } from '../../services/config/config-file.js'
import { parseSize } from '../../services/config/size.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))
const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv, env, cwd: tmp })

describe('configuration', () => {
  it('runs with no configuration at all: data in ./data, HTTP on 8080, content on 8081, Internet on', () => {
    const c = load([])
    expect(c.data).toBe(path.join(tmp, 'data'))
    expect(c.port).toBe(8080)
    expect(c.contentPort).toBe(8081)
    expect(c.internet).toBe(true)
    expect(c.name.length).toBeGreaterThan(0)
  })

  it('takes the contract flags: --data --port --share (repeatable) --name --no-internet --bootstrap', () => {
    fs.mkdirSync(path.join(tmp, 'a'), { recursive: true })
    fs.mkdirSync(path.join(tmp, 'b'), { recursive: true })
    const c = load(['--data', 'd', '--port', '9000', '--share', 'a', '--share=b', '--name', 'Library', '--no-internet', '--bootstrap', '10.0.0.1:49737'])
    expect(c).toMatchObject({ data: path.join(tmp, 'd'), port: 9000, name: 'Library', internet: false, bootstrap: [{ host: '10.0.0.1', port: 49737 }] })
    expect(c.share).toEqual([path.join(tmp, 'a'), path.join(tmp, 'b')])
  })

  it('names a shared drive with --share "Title=DIR", and otherwise after its folder', () => {
    fs.mkdirSync(path.join(tmp, 'media'), { recursive: true })
    const c = load(['--share', 'Festival 2026=media', '--share', 'a'])
    expect(c.share).toEqual([path.join(tmp, 'media'), path.join(tmp, 'a')])
    expect(c.shareTitles).toEqual({ [path.join(tmp, 'media')]: 'Festival 2026' })
  })

  it('layers defaults, then the config file, then environment, then flags', () => {
    const file = path.join(tmp, 'p2p-portal.txt')
    fs.writeFileSync(file, '# organiser settings\nname = Field Camp\nport = 8000\nmax-total-size = 2G\nlog-level = warn\n')
    const c = load(['--config', file, '--port', '8100'], { P2P_PORTAL_LOG: 'error' })
    expect(c).toMatchObject({ name: 'Field Camp', port: 8100, maxTotalBytes: 2 * 1024 ** 3, logLevel: 'error' })
  })

  it('stops on an unknown flag, naming it and listing the known ones', () => {
    expect(() => load(['--prot', '80'])).toThrow(/Unknown option --prot\. Known options: .*--port/)
  })

  it('stops on an unknown key in the config file, naming the file', () => {
    const file = path.join(tmp, 'bad.txt')
    fs.writeFileSync(file, 'colour = blue\n')
    expect(() => load(['--config', file])).toThrow(/Unknown key "colour" in .*bad\.txt/)
  })

  it.each([
    [['--port', '70000'], /Bad value for port: "70000"\. Expected a TCP port/],
    [['--port', 'eighty'], /Bad value for port/],
    [['--internet', 'maybe'], /Bad value for internet: "maybe"\. Expected on or off/],
    [['--max-total-size', 'lots'], /Bad value for max-total-size/],
    [['--bootstrap', 'nohost'], /Bad value for bootstrap: "nohost"\. Expected HOST:PORT/],
    [['--share', '/no/such/folder'], /share: \/no\/such\/folder is not a folder/],
    [['--max-drive-size', '10G', '--max-total-size', '1G'], /max-drive-size is larger than max-total-size/],
    [['--port'], /--port needs a value/]
  ])('stops on a bad value %j with a message that says how to fix it', (argv, message) => {
    expect(() => load(argv as string[])).toThrow(message)
    try { load(argv as string[]) } catch (err) { expect((err as { code: string }).code).toBe('CONFIG_INVALID') }
  })

  it('reads the plain organiser file: comments, blanks, quotes, underscores, CRLF, empty values', () => {
    expect(parseConfigText('\uFEFF# c\r\n\r\nname = "My Pi"\r\nmax_total_size = 8G\r\ninternet =\r\n')).toEqual([['name', 'My Pi'], ['max-total-size', '8G']])
    expect(() => parseConfigText('just words')).toThrow(/line 1: "just words" is not "key = value"/)
  })

  it('understands sizes the way organisers write them', () => {
    expect(parseSize('500M')).toBe(500 * 1024 ** 2)
    expect(parseSize('1.5g')).toBe(1.5 * 1024 ** 3)
    expect(parseSize('4GB')).toBe(4 * 1024 ** 3)
    expect(parseSize('1024')).toBe(1024)
    expect(parseSize('-1G')).toBeNaN()
  })

  it('keeps 2 copies of every drive by default; --copies and the copies key take 1 to 16, and a bad count names the fix', () => {
    expect(load([]).copies).toBe(2)
    expect(load(['--copies', '3']).copies).toBe(3)
    fs.writeFileSync(path.join(tmp, 'copies.txt'), 'copies = 16\n')
    expect(load(['--config', 'copies.txt']).copies).toBe(16)
    for (const bad of ['0', '17', '2.5', 'two', '-1']) {
      expect(() => load(['--copies', bad])).toThrow(/copies.*whole number from 1 to 16/)
    }
  })

  it('counts a departed holder for 60 s by default; --holder-grace takes whole seconds from 1 to 86400', () => {
    expect(load([]).holderGraceSeconds).toBe(60)
    expect(load(['--holder-grace', '5']).holderGraceSeconds).toBe(5)
    for (const bad of ['0', '1.5', 'soon', '86401']) expect(() => load(['--holder-grace', bad])).toThrow(/holder-grace.*whole number of seconds/)
  })

  it('uses region placement; only the bench\'s environment switch selects the policy before it, and nothing else is taken', () => {
    expect(load([]).placement).toBe('region')
    expect(load([], { P2P_PORTAL_PLACEMENT: 'lru' }).placement).toBe('lru')
    expect(() => load([], { P2P_PORTAL_PLACEMENT: 'random' })).toThrow(/P2P_PORTAL_PLACEMENT.*unset it/)
    expect(() => load(['--placement', 'lru'])).toThrow(/Unknown option --placement/)
  })

  it('treats --captive alone as on, and --no-captive as off', () => {
    expect(parseFlags(['--captive']).pairs).toEqual([['captive', 'on']])
    expect(parseFlags(['--no-captive']).pairs).toEqual([['captive', 'off']])
  })
})
