import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import http from 'node:http'
import { startTestNode, type TestNode } from '../../helpers/test-node.js'
import { removeTempDirs } from '../../helpers/temp-dir.js'

let t: TestNode
let key: string

beforeAll(async () => {
  t = await startTestNode([['captive', 'on']])
  const d = await t.node.library.createOwnDrive({ title: 'Maps', description: '' })
  await d.drive.put('/map.png', Buffer.from('png'))
  key = d.id
})
afterAll(async () => { await t?.close(); await removeTempDirs() })

const get = (path: string, host: string) => new Promise<http.IncomingMessage>((resolve, reject) => {
  http.get(t.url + path, { headers: { host } }, (res) => { res.resume(); resolve(res) }).on('error', reject)
})

describe('drive files in captive mode', () => {
  it('are served straight away when asked of the portal itself', async () => {
    const res = await get(`/d/${key}/map.png`, '127.0.0.1')
    expect(res.statusCode).toBe(200)
  })

  it('are redirected to the portal like any foreign request when asked of another host', async () => {
    const res = await get(`/d/${key}/map.png`, 'example.com')
    expect(res.statusCode).toBe(302)
    expect(res.headers['cache-control']).toBe('no-store')
  })
})
