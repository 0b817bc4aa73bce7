// Real headless Chromium (Debian's package) through playwright-core, optionally inside a test namespace.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export interface LaunchOptions {
  /** Run the browser inside this network namespace (`ip netns exec`), e.g. the "phone" of a test LAN. */
  netns?: string
}

export async function launchBrowser (opts: LaunchOptions = {}): Promise<Browser> {
  if (!opts.netns) return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  // playwright talks to the browser over inherited pipes (fds 3 and 4); `ip netns exec` keeps them open.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-chromium-'))
  const executablePath = path.join(dir, 'chromium-in-netns')
  fs.writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${opts.netns} ${CHROMIUM} "$@"\n`, { mode: 0o755 })
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true }).catch((err: Error) => {
    fs.rmSync(dir, { recursive: true, force: true })
    throw err
  })
  // The wrapper script's folder goes with the browser.
  browser.on('disconnected', () => fs.rmSync(dir, { recursive: true, force: true }))
  return browser
}
