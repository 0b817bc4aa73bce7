// A drive with one of each kind of file the visitor pages preview, written straight into a test node.
import type { LibraryDrive } from '../../services/storage/library-drive.js'
import type { TestNode } from './test-node.js'
import { makeJpeg, withExifThumbnail } from './sample-media.js'

export const README_MD = '# Festival guide\n\nBring **water** for the zebras. <script>alert("md")</script>\n\n[evil](javascript:alert(1)) <img src=x onerror=alert(2)>\n'
export const SITE_INDEX = '<!doctype html><title>Site</title><h1>Hello site</h1><a href="docs/page.html">next</a><script>document.title = "script ran"</script>'

export async function put (d: LibraryDrive, name: string, data: Buffer | string): Promise<void> {
  await d.drive.put(name, typeof data === 'string' ? Buffer.from(data) : data)
}

export async function sampleDrive (t: TestNode, title = 'Festival'): Promise<LibraryDrive> {
  const d = await t.node.library.createOwnDrive({ title, description: 'Talks, photos and the programme' })
  const big = await makeJpeg(1200, 900)
  await put(d, '/index.html', SITE_INDEX)
  await put(d, '/docs/page.html', '<html><body><p>Second page about unicorns.</p><script>var hidden="scriptword"</script></body></html>')
  await put(d, '/docs/readme.md', README_MD)
  await put(d, '/docs/notes.txt', 'Plain notes about giraffes & <b>tags</b>.\n')
  await put(d, '/docs/guide.pdf', '%PDF-1.4\n%%EOF\n')
  await put(d, '/pics/camera.jpg', withExifThumbnail(big, await makeJpeg(160, 120, 60)))
  await put(d, '/pics/plain.jpg', big)
  await put(d, '/pics/odd name #1.jpg', big)
  await put(d, '/media/song.mp3', Buffer.alloc(4096, 1))
  await put(d, '/media/talk.webm', Buffer.alloc(300_000, 2))
  await d.refresh()
  return d
}
