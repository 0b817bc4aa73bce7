// A video or song the phone cannot decode says so and offers the download, instead of a dead grey player.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../helpers/browser.js'
import { startTestNode, type TestNode } from '../helpers/test-node.js'
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js'
import { put } from '../helpers/portal-drive.js'
import { hasFfmpeg, makeWebm } from '../helpers/sample-media.js'

const SHOTS = path.resolve('test-results/screenshots')
let node: TestNode
let key: string
let browser: Browser

beforeAll(async () => {
  if (!hasFfmpeg()) throw new Error('these specs need ffmpeg (apt-get install ffmpeg)')
  fs.mkdirSync(SHOTS, { recursive: true })
  node = await startTestNode([['name', 'Library Pi']])
  const d = await node.node.library.createOwnDrive({ title: 'Old videos', description: '' })
  const dir = await tempDir('p2p-avi-')
  // MPEG-4 part 2 in AVI: what old cameras and phones made, and what Chromium cannot decode.
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=2',
    '-c:v', 'mpeg4', '-f', 'avi', path.join(dir, 'old.avi')], { timeout: 60_000 })
  makeWebm(path.join(dir, 'ok.webm'), 2)
  await put(d, '/old.avi', fs.readFileSync(path.join(dir, 'old.avi')))
  await put(d, '/ok.webm', fs.readFileSync(path.join(dir, 'ok.webm')))
  await d.refresh()
  key = d.id
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await node?.close()
  await removeTempDirs()
})

describe('a video the phone cannot play', () => {
  it('says this device cannot play it and keeps the download button', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } })
    await page.goto(`${node.url}/drive/${key}/old.avi`, { waitUntil: 'load' })
    const note = page.locator('p.cannot-play')
    await note.waitFor({ state: 'visible', timeout: 30_000 })
    expect(await note.textContent()).toContain('cannot play this file here')
    expect(await page.locator('video').isHidden()).toBe(true)
    expect(await page.locator('a.btn[href$="?download"]').isVisible()).toBe(true)
    await page.screenshot({ path: path.join(SHOTS, 'video-cannot-play.png') })
    await page.close()
  })

  it('a video it can play shows the player and no such note', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } })
    await page.goto(`${node.url}/drive/${key}/ok.webm`, { waitUntil: 'load' })
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).readyState >= 1, undefined, { timeout: 30_000 })
    expect(await page.locator('p.cannot-play').isHidden()).toBe(true)
    expect(await page.locator('video').isVisible()).toBe(true)
    await page.close()
  })
})
