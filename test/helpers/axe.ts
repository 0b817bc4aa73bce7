// axe-core's serious and critical findings on a page, as "rule: targets" lines (an empty list is a pass).
import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export async function seriousViolations (page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, so the page's own CSP (script-src 'self') need not allow it.
  await page.evaluate(AXE)
  const result = await page.evaluate(async () => (window as any).axe.run(document, { resultTypes: ['violations'] }))
  return result.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
    .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`)
}
