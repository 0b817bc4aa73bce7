// How bin/p2p-portal.js runs Node, read from its own `#!` line (as on a laptop and in the image's unit):
// `#!/usr/bin/env -S [NAME=VALUE]... node [FLAG]...`. Tests and benches that start `node CLI` directly pass
// these themselves, so they measure the node as shipped.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/p2p-portal.js')
const SHEBANG = /^#!\/usr\/bin\/env -S ((?:\w+=\S*\s+)*)node(.*)$/.exec(fs.readFileSync(CLI, 'utf8').split('\n')[0])

/** Node/V8 flags, e.g. --max-semi-space-size=4 */
export const SHIPPED_FLAGS: string[] = (SHEBANG?.[2] ?? '').trim().split(/\s+/).filter(Boolean)
/** Environment set before Node starts, e.g. glibc malloc's MALLOC_ARENA_MAX */
export const SHIPPED_ENV: Record<string, string> = Object.fromEntries((SHEBANG?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(a => a.split(/=(.*)/s, 2)))
