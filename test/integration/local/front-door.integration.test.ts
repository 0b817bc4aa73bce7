import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import net from 'node:net'
import http from 'node:http'
import { FrontDoor } from '../../../web/server/front-door.js'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'

describe('the portal port with its front door', () => {
  let t: TestNode
  let key: string
  beforeAll(async () => {
    t = await startTestNode()
    const d = await t.node.library.createOwnDrive({ title: 'Door', description: '' })
    await d.drive.put('/hello.txt', Buffer.from('hello world'))
    key = d.id
    await (await fetch(`${t.url}/d/${key}/hello.txt`)).text() // now in memory
  })
  afterAll(async () => { await t?.close(); await removeTempDirs() })

  /**
   * Writes the pieces on one connection, 50 ms apart so each arrives on its own, and returns everything the node
   * sent back: once `answered(out)` holds we hang up, or else when the node does (e.g. after Connection: close).
   */
  const exchange = (pieces: string[], answered: (out: string) => boolean = () => false) => new Promise<string>((resolve, reject) => {
    const u = new URL(t.url)
    const s = net.connect(Number(u.port), u.hostname)
    let out = ''
    let written = false
    s.on('data', (d) => {
      out += d.toString('latin1')
      if (written && answered(out)) s.end()
    })
    s.on('error', reject)
    s.on('close', () => resolve(out))
    ;(async () => {
      for (const p of pieces) { s.write(p); await new Promise(r => setTimeout(r, 50)) }
      written = true
      if (answered(out)) s.end()
    })().catch(reject)
  })
  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`

  it('answers a remembered file exactly as node:http does', async () => {
    for (const headers of [{}, { range: 'bytes=6-' }, { range: 'bytes=99-' }] as Array<Record<string, string>>) {
      const viaDoor = await fetch(`${t.url}/d/${key}/hello.txt`, { headers })
      const viaHttp = await fetch(`${t.url}/d/${key}/hello.txt?fresh`, { headers }) // a URL not remembered yet
      expect(viaDoor.status).toBe(viaHttp.status)
      expect(await viaDoor.text()).toBe(await viaHttp.text())
      for (const h of ['content-type', 'content-range', 'etag', 'content-security-policy', 'x-content-type-options', 'cache-control']) {
        expect([h, viaDoor.headers.get(h)]).toEqual([h, viaHttp.headers.get(h)])
      }
      // node:http chunks a body it was given no length for (the 416 text); the door always says the length.
      if (viaHttp.headers.get('content-length')) expect(viaDoor.headers.get('content-length')).toBe(viaHttp.headers.get('content-length'))
    }
  })

  it('answers pipelined requests in order, handing the connection to node:http at the first it does not take', async () => {
    const out = await exchange([
      get(`/d/${key}/hello.txt`) + get(`/d/${key}/hello.txt`, 'Range: bytes=0-4\r\n') +
      `POST /d/${key}/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc` +
      get(`/d/${key}/hello.txt`)
    ], (out) => [...out.matchAll(/HTTP\/1\.1 \d{3}/g)].length === 4 && out.endsWith('hello world'))
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map(m => Number(m[1]))
    expect(statuses).toEqual([200, 206, 404, 200])
    expect(out).toMatch(/\r\n\r\nhello worldHTTP\/1\.1 206 [^]*\r\n\r\nhelloHTTP\/1\.1 404 /)
  })

  it('joins a request head that arrives in pieces', async () => {
    const out = await exchange([`GET /d/${key}/hel`, 'lo.txt HTTP/1.1\r\nHo', 'st: 127.0.0.1\r\n', '\r\n'], (out) => out.endsWith('hello world'))
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello world$/)
  })

  it('lets node:http close a connection that asks to be closed', async () => {
    // We never hang up here: the exchange ends only if the node closes the connection.
    const out = await exchange([get(`/d/${key}/hello.txt`, 'Connection: close\r\n')])
    expect(out).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(out).toMatch(/\r\nConnection: close\r\n/i)
  })

  it('answers HEAD without a body and keeps the connection for the next request', async () => {
    const out = await exchange([`HEAD /d/${key}/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n` + get(`/d/${key}/hello.txt`)],
      (out) => [...out.matchAll(/^HTTP\/1\.1 200 OK/gm)].length === 2 && out.endsWith('hello world'))
    expect([...out.matchAll(/^HTTP\/1\.1 200 OK/gm)]).toHaveLength(2)
    expect(out.split('hello world')).toHaveLength(2)
  })

  /** Writes `text` on a new connection to `base` and resolves with the statuses once `count` heads came back. */
  const answers = (base: string, text: string, count: number) => new Promise<string[]>((resolve, reject) => {
    const u = new URL(base)
    const s = net.connect(Number(u.port), u.hostname, () => s.write(text))
    let out = ''
    s.on('data', (d) => {
      out += d.toString('latin1')
      const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map(m => m[1])
      if (statuses.length >= count) { s.destroy(); resolve(statuses) }
    })
    s.on('error', reject)
    s.on('close', () => reject(new Error(`closed with ${JSON.stringify(out)}`)))
  })

  // Node 20's parser refuses bare-LF line endings with 400; the door must give the same answer, not silence.
  it('answers requests whose lines end with a bare LF exactly as node:http does on the content port', async () => {
    const heads = ['GET /api/status HTTP/1.1\nHost: x\n\n', 'GET /api/status HTTP/1.1\r\nHost: x\n\r\n', 'GET /api/status HTTP/1.1\nHost: x\r\n\r\n']
    for (const head of heads) {
      const viaHttp = await answers(t.contentUrl, head, 1)
      expect(await answers(t.url, head, 1), JSON.stringify(head)).toEqual(viaHttp)
    }
    // After a request the door answered itself, on the same connection.
    const viaHttp = await answers(t.contentUrl, heads[0], 1)
    expect(await answers(t.url, get(`/d/${key}/hello.txt`) + heads[0], 2)).toEqual(['200', ...viaHttp])
  })

  it('hands a head larger than node:http allows to node:http, which refuses it as before', async () => {
    const out = await exchange([get(`/d/${key}/hello.txt`, `X-Big: ${'a'.repeat(20_000)}\r\n`)], (out) => /\r\n\r\n/.test(out))
    expect(out).toMatch(/^HTTP\/1\.1 400 /)
    expect(out).not.toContain('hello world')
  })
})

describe('the front door when many phones connect at once', () => {
  // libuv accepts one connection per turn of the event loop; each turn also answers every open connection
  // that asked again. Without the burst gate, 100 newcomers wait 100 such turns while the open ones are
  // answered again and again (about 50 times each here).
  it('accepts a burst of connections before answering the open ones again: 100 arrive while 20 keep asking, all are answered', async () => {
    const server = http.createServer((_req, res) => { res.statusCode = 404; res.end() })
    // No time limit on the hold here, so the spec counts turns, not milliseconds.
    const door = new FrontDoor(server, (req, res) => {
      if (req.url !== '/a') return false
      res.writeHead(200, ['Content-Type', 'text/plain']).end('ok')
      return true
    }, { maxHoldMs: 60_000 })
    const sockets: net.Socket[] = []
    try {
      await new Promise<void>(resolve => door.netServer.listen(0, '127.0.0.1', resolve))
      const port = (door.netServer.address() as net.AddressInfo).port
      const request = 'GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
      /** A connection that asks again as soon as it has its answer; counts its answers. */
      const client = (onAnswer: () => void) => {
        const s = net.connect(port, '127.0.0.1', () => s.write(request))
        let text = ''
        s.on('data', (d) => {
          text += d.toString('latin1')
          let i
          while ((i = text.indexOf('\r\n\r\nok')) !== -1) { text = text.slice(i + 6); onAnswer() }
        })
        sockets.push(s)
        return s
      }
      const openAnswers = new Array<number>(20).fill(0)
      let stopAsking = false
      await new Promise<void>((resolve) => {
        for (let i = 0; i < 20; i++) {
          const s = client(() => {
            if (++openAnswers[i] === 5 && openAnswers.every(n => n >= 5)) resolve()
            if (!stopAsking) s.write(request)
          })
        }
      })
      const before = [...openAnswers]
      // Every fourth newcomer asks for something the door leaves to node:http (a 404 here).
      const statuses: string[] = []
      const answeredDuringBurst = await new Promise<number[]>((resolve) => {
        for (let i = 0; i < 100; i++) {
          const s = net.connect(port, '127.0.0.1', () => s.write(i % 4 === 3 ? request.replace('/a', '/elsewhere') : request))
          let text = ''
          let answered = false
          s.on('data', (d) => {
            text += d.toString('latin1')
            const status = /^HTTP\/1\.1 (\d{3})/.exec(text)
            if (!status || answered) return
            answered = true
            statuses.push(status[1])
            if (statuses.length === 100) resolve(openAnswers.map((n, j) => n - before[j]))
          })
          sockets.push(s)
        }
      })
      stopAsking = true
      // One answer already on its way when the burst began, and one in the turn that ends it.
      expect(Math.max(...answeredDuringBurst)).toBeLessThanOrEqual(2)
      expect(statuses.filter(x => x === '200')).toHaveLength(75)
      expect(statuses.filter(x => x === '404')).toHaveLength(25)
    } finally {
      for (const s of sockets) s.destroy()
      door.close()
      await new Promise<void>(resolve => door.netServer.close(() => resolve()))
    }
  })
})
