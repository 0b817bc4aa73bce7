// Following a drive by key: a key no peer has shows visitors nothing, and the organiser can take it back.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { PASSWORD } from '../../helpers/admin-node.js'
import { AdminClient } from '../../helpers/admin-client.js'
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js'
import type { TestNode } from '../../helpers/test-node.js'
import { portalWeb } from '../../../app/portal-parts.js'
import { startTestNode } from '../../helpers/test-node.js'
import fs from 'node:fs/promises'
import path from 'node:path'

const NOBODY = 'ab'.repeat(32)
let n: TestNode
let c: AdminClient

beforeAll(async () => {
  const dir = await tempDir('p2p-pw-')
  await fs.writeFile(path.join(dir, 'pw'), PASSWORD)
  // The whole portal (visitor pages too), as the CLI runs it.
  n = await startTestNode([['admin-password-file', path.join(dir, 'pw')]], { web: portalWeb })
  c = new AdminClient(n.url)
  expect((await c.login(PASSWORD)).status).toBe(303)
})
afterAll(async () => { await n.close(); await removeTempDirs() })

describe('following a key no peer has', () => {
  it('shows no card on the visitor home page, while the admin page lists it with Unfollow', async () => {
    expect((await c.post('/admin/follow', { key: NOBODY })).status).toBe(303)
    const home = await (await fetch(`${n.url}/`)).text()
    expect(home).not.toContain('Copying here')
    expect(home).not.toMatch(/0 files/)
    const admin = await c.get('/admin')
    expect(admin.text).toContain(`/admin/drives/${n.node.library.list()[0].id}/unfollow`)
  })

  it('Unfollow removes a followed drive that never arrived', async () => {
    const key = n.node.library.list()[0].id
    const res = await c.post(`/admin/drives/${key}/unfollow`, {})
    expect(res.status).toBe(303)
    expect(n.node.library.get(key)).toBeUndefined()
    const status = await (await fetch(`${n.url}/api/status`)).json()
    expect(status.drives).toEqual([])
  })

  it('Unfollow of a key this node does not follow is a clear 404', async () => {
    const res = await c.post(`/admin/drives/${'cd'.repeat(32)}/unfollow`, {}, { accept: 'application/json' })
    expect(res.status).toBe(404)
    expect(res.json().error.message).toContain('does not follow')
  })
})
