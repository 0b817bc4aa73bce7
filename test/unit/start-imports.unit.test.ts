// What `p2p-portal start` loads before READY=1 decides most of how long a start takes (bench/README.md, "Start,
// third pass"): these keep the parts a node needs only later out of its static import graph.
import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const HOLEPUNCH = ['corestore', 'hyperdrive', 'hypercore', 'hypercore-storage', '@hyperswarm/secret-stream', 'compact-encoding']
// A value import (`import X`, `import * as X`, `import { a, type B }`, over several lines too), not `import type`.
const valueImport = (spec: string) => new RegExp(`^import\\s+(?!type\\s)[\\w*$\\s,]*(?:\\{[^}]*\\})?\\s*from\\s+['"](${spec})['"]`, 'gm')

/** Every source file `from` loads before running, following static value imports (not `import type`, not `import()`). */
function staticGraph (from: string): Set<string> {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    for (const m of text.matchAll(valueImport('\\.{1,2}\\/[^\'"]+\\.js'))) {
      visit(path.normalize(path.join(path.dirname(file), m[1].replace(/\.js$/, '.ts'))))
    }
  }
  visit(from)
  return seen
}

describe('a node\'s start', () => {
  const graph = [...staticGraph('app/cli.ts')]

  it('does not load the admin page before its first request, only the password check', () => {
    expect(graph.filter(f => f.startsWith('web/admin/'))).toEqual(['web/admin/admin-password.ts'])
  })

  it('does not load the update parts, the release publisher or the store audit unless asked to', () => {
    const later = ['services/update/release-watcher.ts', 'services/update/release-publisher.ts', 'services/update/updater-client.ts', 'app/update-parts.ts', 'services/storage/audit-store.ts', 'services/internet/internet-swarm.ts']
    expect(graph.filter(f => later.includes(f))).toEqual([])
  })

  it('takes the Holepunch packages from holepunch-modules.ts, which require()s them instead of having Node lex them', () => {
    const importers = graph.filter(f => {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8')
      return HOLEPUNCH.some(p => valueImport(p.replace('/', '\\/')).test(text))
    })
    expect(importers).toEqual([])
    expect(graph).toContain('services/holepunch-modules.ts')
  })
})

describe('the bundle bin/ runs (scripts/bundle-dist.mjs)', () => {
  /** The files of `dir` that `file` loads before running, following the bundle's static relative imports. */
  function loadedBefore (dir: string, file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen
    seen.add(file)
    const text = fs.readFileSync(path.join(dir, file), 'utf8')
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"\.\/([^"]+)";/gms)) loadedBefore(dir, m[1], seen)
    for (const m of text.matchAll(/^import\s+"\.\/([^"]+)";/gm)) loadedBefore(dir, m[1], seen)
    return seen
  }

  it('gives a node\'s start a handful of files, and keeps the parts it needs later in chunks loaded on demand', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { bundlePrograms } = await import('../../scripts/bundle-dist.mjs') as { bundlePrograms: (app: string, out: string, ext: string) => Promise<void> }
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-bundle-'))
    try {
      await bundlePrograms(path.join(ROOT, 'app'), out, '.ts')
      const files = fs.readdirSync(out)
      for (const program of ['cli.js', 'netd-main.js', 'updater-main.js']) expect(files).toContain(program)
      const start = [...loadedBefore(out, 'cli.js')]
      // The ~100 modules of dist/ a start imported one by one before the bundle.
      expect(start.length).toBeLessThanOrEqual(20)
      // express and its kin are read from the bundle; packages with native code are left to Node, which finds
      // their prebuilds next to their own files.
      const startText = start.map(f => fs.readFileSync(path.join(out, f), 'utf8')).join('\n')
      expect(startText).toContain('// node_modules/express/')
      for (const native of ['sodium-native', 'rocksdb-native', 'sharp', 'hypercore']) expect(startText).not.toContain(`// node_modules/${native}/`)
      // One character past Latin-1 would make V8 hold a whole file's source at two bytes per character.
      for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8'), f).toMatch(/^[\x00-\x7f]*$/)
      for (const later of ['admin-router', 'update-parts', 'release-watcher', 'release-publisher', 'audit-store', 'internet-swarm']) {
        const chunk = files.find(f => f.startsWith(`${later}-`))
        expect(chunk, `${later} is a chunk of its own`).toBeDefined()
        expect(start, `${later} is not loaded by a start`).not.toContain(chunk)
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true })
    }
  })
})
