// The folders read like the architecture only while imports point down: app → web → services.
import { describe, it, expect } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const RANK: Record<string, number> = { app: 3, web: 2, services: 1 }

function sources (dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.ts')).map(f => path.join(dir, f))
}

/** [from file, to file] for every relative import (static, dynamic and type-only) in the three top folders. */
function imports (): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const file of Object.keys(RANK).flatMap(sources)) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      out.push([file, path.normalize(path.join(path.dirname(file), m[1]))])
    }
  }
  return out
}

const top = (file: string) => file.split(path.sep)[0]

describe('the layout', () => {
  it('has no import that points up: services imports neither web nor app, web does not import app', () => {
    const up = imports().filter(([from, to]) => (RANK[top(to)] ?? 0) > RANK[top(from)])
    expect(up.map(([from, to]) => `${from} → ${to}`)).toEqual([])
  })

  it('keeps HTTP out of services/', () => {
    const http = sources('services').filter(f => /from ['"](express|node:http)['"]/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')))
    expect(http).toEqual([])
  })
})
