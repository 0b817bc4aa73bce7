// Seeking a video in real Chromium the way a visitor's phone does, and what it asked the node for.
import type { Page, CDPSession } from 'playwright-core'

export interface RangeAnswer { range: string, status: number, contentRange?: string }

/** Records every answer for URLs under /d/ ending in `fileName`, with the Range asked and the Content-Range given. */
export function recordRanges (page: Page, fileName: string): RangeAnswer[] {
  const ranges: RangeAnswer[] = []
  page.on('response', (r) => {
    if (r.url().includes('/d/') && r.url().endsWith(fileName)) {
      ranges.push({ range: r.request().headers().range ?? '', status: r.status(), contentRange: r.headers()['content-range'] })
    }
  })
  return ranges
}

/**
 * Slows the page to a phone's Wi-Fi (2 Mbit/s, the test clips' own bitrate), so the first response cannot have
 * brought the middle of a clip before a seek asks for it. Returns the session, to lift the limit with `unthrottle`.
 */
export async function throttleToPhone (page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 250_000, uploadThroughput: 250_000 })
  return cdp
}

export async function unthrottle (cdp: CDPSession): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
}

/** Seeks the page's video to `fraction` of its length and plays until it has moved on from there. */
export async function seekAndPlay (page: Page, fraction: number): Promise<{ time: number, duration: number }> {
  return page.evaluate(async (fraction) => {
    const v = document.querySelector('video')!
    v.muted = true
    await new Promise(resolve => v.readyState >= 1 ? resolve(null) : v.addEventListener('loadedmetadata', resolve, { once: true }))
    const target = v.duration * fraction
    v.currentTime = target
    await v.play()
    // Playing on from the seek point needs bytes from the middle of the file.
    while (v.currentTime < target + 0.5) await new Promise(resolve => setTimeout(resolve, 100))
    return { time: v.currentTime, duration: v.duration }
  }, fraction)
}
