import { describe, it, expect } from 'vitest'
import { PROBES } from '../../web/captive/probes.js'
import { AcceptedClients } from '../../web/captive/accepted-clients.js'

describe('captive portal', () => {
  it('knows every probe in the list', () => {
    expect(new Set(PROBES.map(p => p.os))).toEqual(new Set(['android', 'apple', 'windows', 'firefox', 'networkmanager']))
  })
})

describe('accepted clients', () => {
  it('forget a client after the expiry and keep at most their cap', () => {
    let now = 0
    const a = new AcceptedClients(1000, () => now)
    a.accept('10.42.0.7')
    expect(a.has('10.42.0.7')).toBe(true)
    now = 1001
    expect(a.has('10.42.0.7')).toBe(false)
    for (let i = 0; i < 10_050; i++) a.accept(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
    expect(a.has('10.0.39.65')).toBe(true)
    expect(a.has('10.0.0.0')).toBe(false)
  })
})
