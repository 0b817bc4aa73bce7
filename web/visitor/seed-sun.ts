// The live picture of how many devices seed a drive: a small sun whose rays light up and grow with each one
// (after the Dat community's sites). Pure SVG attributes, no inline style, so the page CSP stays strict.
// portal.js carries the same geometry to redraw it from /events.
import { esc } from '../html/escape.js'

export const RAYS = 12

export function rayLength (seeders: number, i: number): number {
  return i < Math.min(seeders, RAYS) ? 4 + Math.min(seeders, 8) * 1.25 : 2.5
}

/**
 * The sun's size step for the nodes holding a drive complete (this one and its publisher included): 1 to 4,
 * one step per holder up to four. Its rays follow the peers connected now; its size follows the copies the
 * region keeps, so a drive that would survive its publisher leaving looks it. Only a class: the CSS sizes it.
 */
export function sunSize (holders: number): number {
  return Math.max(1, Math.min(4, holders))
}

export function sunSvg (seeders: number, label: string, holders = 0): string {
  const rays: string[] = []
  for (let i = 0; i < RAYS; i++) {
    const a = (i * 2 * Math.PI) / RAYS
    const len = rayLength(seeders, i)
    const p = (r: number) => `${(24 + r * Math.cos(a)).toFixed(1)}`
    const q = (r: number) => `${(24 + r * Math.sin(a)).toFixed(1)}`
    rays.push(`<line x1="${p(9.5)}" y1="${q(9.5)}" x2="${p(9.5 + len)}" y2="${q(9.5 + len)}"${i < seeders ? ' class="on"' : ''}/>`)
  }
  return `<svg class="sun holders-${sunSize(holders)}${seeders > 0 ? ' lit' : ''}" viewBox="0 0 48 48" width="48" height="48" role="img" aria-label="${esc(label)}" data-seeders="${seeders}"><g class="rays">${rays.join('')}</g><circle cx="24" cy="24" r="7"/></svg>`
}
