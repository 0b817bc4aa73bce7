// Small generated media for portal tests: JPEGs (with and without an EXIF preview), and a short WebM video
// made with Debian's ffmpeg when it is installed.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'

/** A gradient JPEG of w×h pixels. */
export async function makeJpeg (w: number, h: number, quality = 80): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3
      px[i] = (x * 255 / w) | 0; px[i + 1] = (y * 255 / h) | 0; px[i + 2] = 160
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality }).toBuffer()
}

/** `main` with an APP1 EXIF segment whose IFD1 carries `thumb` (as cameras write it), little-endian TIFF. */
export function withExifThumbnail (main: Buffer, thumb: Buffer): Buffer {
  // TIFF header (8) + IFD0 with 0 entries (2 + 4) + IFD1 with 2 entries (2 + 24 + 4), then the thumbnail.
  const ifd0 = 8
  const ifd1 = ifd0 + 6
  const thumbAt = ifd1 + 2 + 2 * 12 + 4
  const tiff = Buffer.alloc(thumbAt + thumb.length)
  tiff.write('II', 0, 'latin1'); tiff.writeUInt16LE(42, 2); tiff.writeUInt32LE(ifd0, 4)
  tiff.writeUInt16LE(0, ifd0); tiff.writeUInt32LE(ifd1, ifd0 + 2)
  tiff.writeUInt16LE(2, ifd1)
  const entry = (i: number, tag: number, value: number) => {
    const e = ifd1 + 2 + i * 12
    tiff.writeUInt16LE(tag, e); tiff.writeUInt16LE(4, e + 2); tiff.writeUInt32LE(1, e + 4); tiff.writeUInt32LE(value, e + 8)
  }
  entry(0, 0x0201, thumbAt)
  entry(1, 0x0202, thumb.length)
  tiff.writeUInt32LE(0, ifd1 + 2 + 24)
  thumb.copy(tiff, thumbAt)
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const app1 = Buffer.alloc(4)
  app1[0] = 0xff; app1[1] = 0xe1; app1.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([main.subarray(0, 2), app1, payload, main.subarray(2)])
}

export function hasFfmpeg (): boolean {
  try { execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' }); return true } catch { return false }
}

/**
 * A `seconds`-long VP8 WebM with keyframes every second, so seeking lands anywhere. Noise keeps the bitrate
 * near 2 Mbit/s: the file is then too big for the browser's first read, and seeking needs Range requests.
 */
export function makeWebm (file: string, seconds = 8): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=15:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-vf', 'noise=alls=60:allf=t',
    '-c:v', 'libvpx', '-b:v', '2M', '-minrate', '2M', '-maxrate', '2M', '-bufsize', '1M', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15',
    // Cues (the seek index) before the clusters, as a streaming-ready file has them: a seek is one Range request.
    '-c:a', 'libvorbis', '-cues_to_front', '1', '-shortest', file], { stdio: 'ignore', timeout: 120_000 })
}

/** Whether a 206's `Content-Range: bytes N-M/SIZE` starts beyond `fraction` of the file (a seek, not the start). */
export function startsPastMiddle (contentRange: string | undefined, fraction: number): boolean {
  const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(contentRange ?? '')
  return !!m && Number(m[1]) > fraction * Number(m[2])
}
