import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import net from 'node:net'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'
import { sampleDrive } from '../../helpers/portal-drive.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode()
  key = (await sampleDrive(t)).id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

/** Sends raw bytes and returns what came back: every request here ends with the server closing; `ms` is a bound. */
function raw (base: string, data: string, ms = 15_000): Promise<{ text: string, closed: boolean }> {
  const u = new URL(base)
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname)
    let text = ''
    const done = (closed: boolean) => { clearTimeout(timer); s.destroy(); resolve({ text, closed }) }
    const timer = setTimeout(() => done(false), ms)
    s.on('data', (d) => { text += d.toString('latin1') })
    s.on('close', () => done(true))
    s.on('error', () => done(true))
    s.write(data)
  })
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)

describe('hostile requests to the visitor pages and content port', () => {
  it('answers traversal spellings on every visitor route with 4xx', async () => {
    for (const base of [t.url, t.contentUrl]) {
      for (const prefix of base === t.url ? ['/drive/', '/thumb/', '/d/'] : ['/']) {
        for (const p of ['..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/etc/passwd', '%252e%252e%252fetc', 'docs/..%5c..%5cx', 'docs/%00', 'docs/%c0%ae%c0%ae/x']) {
          const r = await raw(base, `GET ${prefix}${key}/${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
          expect(status(r.text), `${base}${prefix}${p}`).toBeGreaterThanOrEqual(400)
          expect(status(r.text)).toBeLessThan(500)
          expect(r.text).not.toContain('root:')
        }
      }
    }
  })

  it('answers malformed keys with 400 everywhere', async () => {
    for (const u of [`${t.url}/drive/abc/`, `${t.url}/thumb/${'Z'.repeat(52)}/a.jpg`, `${t.url}/d/${key.slice(1)}/x`, `${t.contentUrl}/${'0'.repeat(65)}/`]) {
      expect((await fetch(u)).status, u).toBe(400)
    }
  })

  it('answers absurd Range headers with 416 or the whole file, never a crash', async () => {
    const cases: Array<[string, number[]]> = [['bytes=999999999999-', [416]], ['bytes=5-2', [416, 200]], ['bytes=abc', [200, 416]],
      ['bytes=0-1,3-4,6-7,9-10', [200]], [`bytes=${'1'.repeat(5000)}-`, [416, 200, 431, 400]]]
    for (const [range, ok] of cases) {
      for (const base of [`${t.url}/d/${key}`, `${t.contentUrl}/${key}`]) {
        const r = await fetch(`${base}/media/talk.webm`, { headers: { range } })
        expect(ok, `${range} → ${r.status}`).toContain(r.status)
        await r.arrayBuffer()
      }
    }
  })

  it('refuses oversized headers with 431 on both ports', async () => {
    for (const base of [t.url, t.contentUrl]) {
      const r = await raw(base, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`)
      expect([431, 400]).toContain(status(r.text))
    }
  })

  it('drops a client that sends its headers too slowly (slowloris)', async () => {
    const u = new URL(t.url)
    const s = net.connect(Number(u.port), u.hostname)
    s.write('GET / HTTP/1.1\r\nHost: x\r\n')
    const drip = setInterval(() => s.write('X-a: b\r\n'), 1000)
    const started = Date.now()
    await new Promise<void>((resolve) => { s.on('close', () => resolve()); s.on('error', () => resolve()); s.resume() })
    clearInterval(drip)
    expect(Date.now() - started).toBeLessThan(19_000)
  }, 25_000)

  it('still serves pages after all of that', async () => {
    expect((await fetch(t.url + '/')).status).toBe(200)
    expect((await fetch(`${t.contentUrl}/${key}/`)).status).toBe(200)
  })
})
