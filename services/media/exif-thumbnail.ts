// Most camera and phone JPEGs carry a ~160 px preview in their EXIF block (IFD1), within the first 64 KB:
// serving it costs one small read instead of decoding a 12-megapixel photo.

/** The embedded JPEG thumbnail of a JPEG's head, or null. Never reads outside `head`. */
export function exifThumbnail (head: Buffer): Buffer | null {
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return null
  let p = 2
  while (p + 4 <= head.length) {
    if (head[p] !== 0xff) return null
    const marker = head[p + 1]
    // Start of scan: no more metadata segments.
    if (marker === 0xda || marker === 0xd9) return null
    const len = head.readUInt16BE(p + 2)
    if (len < 2) return null
    if (marker === 0xe1 && p + 4 + len - 2 <= head.length && head.toString('latin1', p + 4, p + 10) === 'Exif\0\0') {
      return fromTiff(head.subarray(p + 10, p + 2 + len))
    }
    p += 2 + len
  }
  return null
}

function fromTiff (t: Buffer): Buffer | null {
  if (t.length < 8) return null
  const le = t.toString('latin1', 0, 2) === 'II'
  if (!le && t.toString('latin1', 0, 2) !== 'MM') return null
  const u16 = (o: number) => o + 2 <= t.length ? (le ? t.readUInt16LE(o) : t.readUInt16BE(o)) : -1
  const u32 = (o: number) => o + 4 <= t.length ? (le ? t.readUInt32LE(o) : t.readUInt32BE(o)) : -1
  if (u16(2) !== 42) return null
  const ifd0 = u32(4)
  const n0 = u16(ifd0)
  if (ifd0 < 8 || n0 < 0) return null
  const ifd1 = u32(ifd0 + 2 + n0 * 12)
  if (ifd1 <= 0) return null
  const n1 = u16(ifd1)
  if (n1 <= 0 || n1 > 200) return null
  let offset = -1
  let length = -1
  for (let i = 0; i < n1; i++) {
    const e = ifd1 + 2 + i * 12
    const tag = u16(e)
    if (tag === 0x0201) offset = u32(e + 8)
    if (tag === 0x0202) length = u32(e + 8)
  }
  if (offset <= 0 || length <= 0 || offset + length > t.length) return null
  const thumb = t.subarray(offset, offset + length)
  return thumb[0] === 0xff && thumb[1] === 0xd8 ? Buffer.from(thumb) : null
}
