import { describe, it, expect } from 'vitest'
import { drivePath, splitDriveUrl } from '../../services/storage/drive-path.js'
import { parseKey } from '../../services/storage/drive-key.js'

describe('paths inside a drive', () => {
  it('decodes ordinary names, spaces and non-Latin letters', () => {
    expect(drivePath('/music/Caf%C3%A9%20Tac%C3%BAba.mp3')).toBe('/music/Café Tacúba.mp3')
    expect(drivePath('/%D8%AE%D8%B1%D9%8A%D8%B7%D8%A9.pdf')).toBe('/خريطة.pdf')
  })

  it.each([
    '/../etc/passwd', '/a/../../b', '/%2e%2e/x', '/%2E%2E/x', '/%252e%252e/x', '/a%2f..%2fb', '/a%5c..%5cb',
    '/a\\..\\b', '/a%00b', '/%zz', '/./x'
  ])('refuses %s with BAD_PATH', (p) => {
    expect(() => drivePath(p)).toThrow(expect.objectContaining({ code: 'BAD_PATH' }))
  })

  it('splits the raw URL before any router could normalise it', () => {
    expect(splitDriveUrl('/d/abc/x/../y?download', '/d/')).toEqual({ key: 'abc', rest: '/x/../y', trailingSlash: false })
  })

  it('accepts z-base-32 and hex keys and refuses anything else with a message naming the format', () => {
    const z = 'y'.repeat(52)
    expect(parseKey(z)).toHaveLength(32)
    expect(parseKey('ab'.repeat(32))).toHaveLength(32)
    expect(() => parseKey('nope')).toThrow(/expected 52 z-base-32 characters/)
    expect(() => parseKey('l'.repeat(52))).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
  })
})
