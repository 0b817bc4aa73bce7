// USB sticks without a node: where an export may write, and which folders count as sticks (the admin page's
// routes are in test/integration/local/admin-manage.integration.test.ts).
import { describe, it, expect, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'
import { UsbSticks, exportPath } from '../../services/publish/usb-sticks.js'

afterAll(removeTempDirs)

describe('USB sticks', () => {
  it('never writes a drive entry outside the export folder, whatever bytes its name holds', () => {
    for (const bad of ['/../x', '/a/../../x', '/..', '/a\\..\\b', '/a\u0000b', '//']) {
      expect(() => exportPath('/media/stick/out', bad), bad).toThrow()
    }
    expect(exportPath('/media/stick/out', '/a/b.txt')).toBe('/media/stick/out/a/b.txt')
  })
})

describe.skipIf(process.getuid?.() !== 0)('USB sticks as the OS mounts them', () => {
  it('counts only mount points under /media/<user>/ as sticks, not plain folders', async () => {
    const media = await tempDir('p2p-run-media-')
    const mounted = path.join(media, 'organiser', 'KINGSTON')
    fs.mkdirSync(mounted, { recursive: true })
    fs.mkdirSync(path.join(media, 'organiser', 'not-a-stick'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mounted])
    try {
      const usb = new UsbSticks({ library: null as any, writer: null as any, roots: [media, '/nonexistent'] })
      expect((await usb.list()).map(s => s.path)).toEqual([mounted])
    } finally {
      execFileSync('umount', ['-l', mounted])
    }
  })
})
