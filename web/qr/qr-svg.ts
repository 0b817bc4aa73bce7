// QR codes drawn on the node as inline SVG (no image request, nothing from outside).
const cache = new Map<string, string>()
const MAX_CACHED = 32

export async function qrSvg (text: string, label: string): Promise<string> {
  let svg = cache.get(text)
  if (!svg) {
    // Loaded on the first QR code: qrcode costs ~6 MiB of RSS, kept off a node's idle footprint until shown.
    const { default: QRCode } = await import('qrcode')
    svg = await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } })
    svg = svg.replace(/^<\?xml[^>]*>\s*/, '').trim()
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
    cache.set(text, svg)
  }
  return svg.replace('<svg ', `<svg role="img" aria-label="${label.replace(/[&<>"]/g, c => `&#${c.charCodeAt(0)};`)}" `)
}
