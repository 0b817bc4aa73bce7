// Every name a shared folder can hold either round-trips into the drive exactly, openable by its link, or is
// skipped once with a logged reason; a rescan of an unchanged folder publishes nothing.
import { describe, it, expect, afterAll, vi } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { Library } from '../../services/storage/library.js'
import { DriveWriter } from '../../services/publish/drive-writer.js'
import { FolderPublisher } from '../../services/publish/folder-publisher.js'
import { drivePath } from '../../services/storage/drive-path.js'
import { HIDDEN_PREFIX } from '../../services/storage/library-drive.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'

let library: Library | null = null
let publisher: FolderPublisher | null = null
afterAll(async () => { await publisher?.close(); await library?.close(); await removeTempDirs(); vi.restoreAllMocks() })

const SUPPORTED = ['canción de cuna.txt', 'français é à ç.txt', 'مرحبا بالعالم.txt', 'carpeta/niño.txt', 'plain.txt']
const UNSUPPORTED = ['back\\slash.txt', 'new\nline.txt', 'dot%2e.txt', 'dir\\with\\slash']

const linkOf = (name: string) => name.split('/').map(encodeURIComponent).join('/')

describe('file names in a shared folder', () => {
  it('round-trip exactly or are skipped once with a reason, and a second scan changes nothing', async () => {
    const dir = path.join(await tempDir('p2p-names-'), 'names')
    fs.mkdirSync(path.join(dir, 'carpeta'), { recursive: true })
    fs.mkdirSync(path.join(dir, 'dir\\with\\slash'))
    fs.writeFileSync(path.join(dir, 'dir\\with\\slash', 'inside.txt'), 'inside')
    for (const name of [...SUPPORTED, ...UNSUPPORTED.slice(0, 3)]) fs.writeFileSync(path.join(dir, ...name.split('/')), `content of ${name}`)

    const warnings: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
      warnings.push(String(chunk))
      return write(chunk, ...rest)
    })

    library = new Library({ dataDir: await tempDir('p2p-names-data-') })
    await library.open()
    publisher = new FolderPublisher({ library, folder: dir, writer: new DriveWriter(library, library.dataDir) })
    await publisher.open()
    await publisher.sync()
    const d = publisher.drive!
    const first = d.drive.version
    await publisher.sync()
    await publisher.sync()
    expect(d.drive.version).toBe(first)

    const listed: string[] = []
    for await (const e of d.drive.list('/', { recursive: true })) if (!e.key.startsWith(HIDDEN_PREFIX)) listed.push(e.key)
    expect(listed.sort()).toEqual(SUPPORTED.map(n => '/' + n).sort())
    for (const name of SUPPORTED) {
      const opened = drivePath(linkOf('/' + name))
      expect(opened).toBe('/' + name)
      expect(Buffer.compare((await d.drive.get(opened))!, fs.readFileSync(path.join(dir, ...name.split('/'))))).toBe(0)
    }

    const skips = warnings.filter(w => w.startsWith('[publish]') && w.includes('skipped'))
    for (const name of UNSUPPORTED) expect(skips.filter(w => w.includes(JSON.stringify(name))), name).toHaveLength(1)
    expect(skips).toHaveLength(UNSUPPORTED.length)
  })
})

describe('file names on a USB stick', () => {
  it('follow the same rule on import: unsupported names are skipped with their reason, the rest round-trip', async () => {
    const { UsbSticks } = await import('../../services/publish/usb-sticks.js')
    const { DriveWriter } = await import('../../services/publish/drive-writer.js')
    const root = await tempDir('p2p-usb-names-')
    const dir = path.join(root, 'STICK')
    fs.mkdirSync(dir)
    for (const name of ['canción.txt', 'back\\slash.txt', 'dot%2e.txt']) fs.writeFileSync(path.join(dir, name), `content of ${name}`)
    const lib = new Library({ dataDir: await tempDir('p2p-usb-names-data-') })
    await lib.open()
    const usb = new UsbSticks({ library: lib, writer: new DriveWriter(lib, lib.dataDir), roots: [root], mountsOnly: false })
    try {
      const [stick] = await usb.list()
      const job = await usb.startImport(stick, '/', { title: 'Stick', description: '' })
      await usb.close()
      expect(job).toMatchObject({ state: 'done', files: 3, done: 3 })
      expect(job.failed.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: '/back\\slash.txt', reason: 'nameBackslash', message: expect.stringMatching(/^skipped, its name has a backslash/) },
        { name: '/dot%2e.txt', reason: 'nameEscape', message: expect.stringMatching(/^skipped, its name has an escape/) }
      ])
      const d = lib.get(job.driveKey!)!
      const listed: string[] = []
      for await (const e of d.drive.list('/', { recursive: true })) if (!e.key.startsWith(HIDDEN_PREFIX)) listed.push(e.key)
      expect(listed).toEqual(['/canción.txt'])
      expect(String(await d.drive.get(drivePath(linkOf('/canción.txt'))))).toBe('content of canción.txt')
    } finally {
      await usb.close()
      await lib.close()
    }
  })
})
