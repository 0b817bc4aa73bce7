// The organiser's overview says plainly when the card is full, and shows a --share import's progress.
import { describe, it, expect } from 'vitest'
import { overviewBody } from '../../web/admin/manage-pages.js'
import type { NodeStatus } from '../../services/node/node-status.js'
import { adminTranslator } from '../../web/i18n/admin-language.js'

const t = adminTranslator('en').t

const MB = 1024 * 1024
const status = (over: Partial<NodeStatus['disk']>, importing: NodeStatus['drives'][number]['importing'] = null): NodeStatus => ({
  node: { key: 'k'.repeat(52), name: 'Pi', version: '0.1.0', protocol: 1, uptime: 5, replicationPort: 1, internet: false },
  peers: [],
  drives: [{ key: 'd'.repeat(52), title: 'Festival', description: '', own: true, pinned: true, followed: false, version: 3, files: 2, bytes: 10, localBytes: 10, complete: true, peers: 0, lastUsed: 0, copies: 1, holders: ['k'.repeat(52)], importing }],
  available: [],
  region: { nodes: 1, drives: 1, copies: 2, atRisk: 1 },
  disk: { used: 0, store: 0, cap: 100 * MB, perDriveCap: 10 * MB, free: 1 * MB, reserve: 32 * MB, full: false, ...over },
  evictions: [],
  update: { current: '0.1.0', available: null, state: 'none', lastResult: null }
})

describe('admin overview', () => {
  it('says "Disk full" when the card is full, and not otherwise', () => {
    expect(String(overviewBody(t, status({ full: true }), 'csrf', { blocked: [] }))).toMatch(/Disk full/)
    expect(String(overviewBody(t, status({ full: false, free: 900 * MB }), 'csrf', { blocked: [] }))).not.toMatch(/Disk full/)
  })

  it('shows how far a --share import has come', () => {
    expect(String(overviewBody(t, status({}, { files: 300, done: 12, finalBytes: 3e8 }), 'csrf', { blocked: [] }))).toMatch(/importing 12 of 300/)
  })

  it('says how each peer is reached in the organiser\'s language', () => {
    const peer = (via: string) => ({ key: 'p'.repeat(52), name: 'Stage', address: '10.0.0.2', via, since: 0, drives: 1 })
    const withPeers = { ...status({}), peers: [peer('lan'), peer('internet')] }
    const ar = String(overviewBody(adminTranslator('ar').t, withPeers, 'csrf', { blocked: [] }))
    expect(ar).toContain('10.0.0.2 (الشبكة المحلية)')
    expect(ar).toContain('10.0.0.2 (الإنترنت)')
    expect(String(overviewBody(adminTranslator('es').t, withPeers, 'csrf', { blocked: [] }))).toContain('10.0.0.2 (red local)')
  })
})
