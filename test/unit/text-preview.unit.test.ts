import { describe, it, expect } from 'vitest'
import { renderText } from '../../web/visitor/text-preview.js'

const md = (s: string) => renderText(Buffer.from(s), true, '/d/k/docs/')

describe('Markdown preview', () => {
  it('renders a GitHub-flavoured table as a table, with its column alignment', async () => {
    const html = await md('| Animal | Legs |\n| :--- | ---: |\n| zebra | 4 |\n| ostrich | 2 |\n')
    expect(html).toContain('<table>')
    expect(html).toMatch(/<th align="left">Animal<\/th>/)
    expect(html).toMatch(/<td align="right">4<\/td>/)
    expect(html).not.toContain('| zebra |')
  })

  it('keeps raw HTML escaped inside and around tables, and drops javascript: links in cells', async () => {
    const html = await md('| a | b |\n| - | - |\n| <script>alert(1)</script> | [x](javascript:alert(2)) |\n\n<img src=x onerror=alert(3)>\n')
    expect(html).toContain('<table>')
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;')
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('javascript:')
  })

  it('still loads relative images from the drive and leaves plain text escaped', async () => {
    expect(await md('![map](img/map.png)')).toContain('<img src="/d/k/docs/img/map.png" alt="map"')
    expect(await renderText(Buffer.from('| a | b |\n<b>'), false)).toBe('| a | b |\n&lt;b&gt;')
  })
})
