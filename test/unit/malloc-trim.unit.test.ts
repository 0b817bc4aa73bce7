// malloc_trim(0) through the project's addon, in a Node started as the node is shipped (its #! line's malloc settings).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect } from 'vitest'
import { SHIPPED_ENV } from '../helpers/shipped-node.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const MiB = 1024 * 1024

// 40 MiB of 10 KiB Buffers (from malloc's arena, below the mmap threshold), every eighth kept: the freed ones lie
// between live ones, where glibc's free() never gives pages back, as after a mirror of many small files.
const FRAGMENT = `
  import { mallocTrim } from './services/storage/malloc-trim.ts'
  const rss = () => process.memoryUsage().rss
  let all = Array.from({ length: 4096 }, () => Buffer.alloc(10 * 1024, 1))
  const kept = all.filter((_, i) => i % 8 === 0)
  all = null
  // V8 frees dead ArrayBuffers' memory on a helper thread after a full collection, and a busy machine can leave it
  // behind: a second collection first finishes the sweep of the one before.
  gc()
  gc()
  const before = rss()
  const released = mallocTrim()()
  console.log(JSON.stringify({ before, after: rss(), released, kept: kept.length }))
`

describe('malloc_trim through the addon (npm run build compiles it)', () => {
  it('gives back to the kernel the pages freed between live allocations', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', FRAGMENT], {
      cwd: ROOT, env: { ...process.env, ...SHIPPED_ENV }, encoding: 'utf8', timeout: 60_000
    })
    const r = JSON.parse(out.trim().split('\n').pop()!)
    expect(r.released).toBe(true)
    // 35 MiB were freed; at least 20 of them go back (the rest is partial pages and malloc's own chunks)
    expect(r.before - r.after, JSON.stringify(r)).toBeGreaterThan(20 * MiB)
  })
})
