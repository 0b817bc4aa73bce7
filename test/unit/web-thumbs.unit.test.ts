import { describe, it, expect } from 'vitest'
import { makeJpeg, withExifThumbnail } from '../helpers/sample-media.js'
import { exifThumbnail } from '../../services/media/exif-thumbnail.js'

describe('EXIF thumbnails', () => {
  it('finds the preview a camera embedded, reading only the head of the file', async () => {
    const thumb = await makeJpeg(160, 120, 60)
    const photo = withExifThumbnail(await makeJpeg(800, 600), thumb)
    expect(exifThumbnail(photo.subarray(0, 64 * 1024))).toEqual(thumb)
  })

  it('returns null, never throws, on JPEGs without one and on garbage', async () => {
    expect(exifThumbnail(await makeJpeg(100, 100))).toBeNull()
    expect(exifThumbnail(Buffer.from('not a jpeg'))).toBeNull()
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x01, 0x00]), Buffer.from('Exif\0\0II*\0'), Buffer.from(Array.from({ length: 300 }, () => Math.random() * 256 | 0))])
      expect(() => exifThumbnail(junk)).not.toThrow()
    }
  })
})
