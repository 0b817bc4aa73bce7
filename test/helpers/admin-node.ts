// A node in this process with the admin page mounted (and any test seams for it), on 127.0.0.1 port 0.
import fs from 'node:fs/promises'
import path from 'node:path'
import { startTestNode, type TestNode } from './test-node.js'
import { AdminClient } from './admin-client.js'
import { tempDir } from './temp-dir.js'
import { adminPage, type AdminRouterOptions } from '../../web/admin/admin-router.js'

export const PASSWORD = 'correct horse battery'

export async function startAdminNode (opts: { password?: string | null, data?: string, admin?: AdminRouterOptions, pairs?: Array<[string, string]> } = {}): Promise<TestNode> {
  const pairs: Array<[string, string]> = [...(opts.pairs ?? [])]
  if (opts.data) pairs.push(['data', opts.data])
  if (opts.password !== null) {
    const file = path.join(await tempDir('p2p-pw-'), 'pw')
    await fs.writeFile(file, (opts.password ?? PASSWORD) + '\n')
    pairs.push(['admin-password-file', file])
  }
  return startTestNode(pairs, {
    web: (ctx) => {
      const admin = adminPage(ctx, { wifi: noWifi, ...opts.admin })
      return { parts: admin.parts, http: { after: [admin.router] } }
    }
  })
}

const noWifi = {
  status: async () => ({ available: false, current: null }),
  scan: async () => [],
  join: async () => { /* a fake radio: joins nothing */ },
  setHotspot: async () => { /* a fake radio: no hotspot */ }
}

/** A node with the admin page, an organiser logged in to it, and one new drive of theirs. */
export async function startAdminWithDrive (title: string, description = ''): Promise<{ n: TestNode, c: AdminClient, key: string }> {
  const n = await startAdminNode()
  const c = new AdminClient(n.url)
  const login = await c.login(PASSWORD)
  if (login.status !== 303) throw new Error(`logging in answered ${login.status}`)
  const key: string = (await c.post('/admin/drives', { title, description }, { accept: 'application/json' })).json().key
  return { n, c, key }
}
