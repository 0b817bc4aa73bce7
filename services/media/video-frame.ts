// The adapter to ffmpeg: one frame and the duration of a video, from the first bytes of the file only. The
// bytes come from a drive (untrusted), so ffmpeg reads them on stdin (it never opens a path or a URL), runs
// one thread, may open nothing but that pipe (a playlist or concat file in a drive must not make it fetch a URL
// or read a local file), and is killed at its deadline; a node without ffmpeg simply has no posters.
import { spawn } from 'node:child_process'

export interface VideoFrame {
  /** A JPEG of the first frame, at most 1024 px wide; null when none could be decoded from these bytes. */
  jpeg: Buffer | null
  /** Seconds, when the container states it in its first bytes. */
  duration: number | null
}

export interface FrameGrabber {
  available (): Promise<boolean>
  grab (head: Buffer, timeoutMs: number): Promise<VideoFrame>
}

const MAX_OUT = 4 * 1024 * 1024
const MAX_LOG = 64 * 1024

/** "Duration: 00:01:02.50," in ffmpeg's description of its input; "Duration: N/A" when the head does not say. */
export function parseDuration (log: string): number | null {
  const m = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(log)
  if (!m) return null
  const s = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])
  return Number.isFinite(s) && s > 0 ? s : null
}

export class FfmpegFrames implements FrameGrabber {
  private found: Promise<boolean> | null = null

  constructor (private readonly bin = 'ffmpeg') {}

  available (): Promise<boolean> {
    this.found ??= new Promise((resolve) => {
      const p = spawn(this.bin, ['-version'], { stdio: 'ignore' })
      p.once('error', () => resolve(false))
      p.once('exit', (code) => resolve(code === 0))
    })
    return this.found
  }

  grab (head: Buffer, timeoutMs: number): Promise<VideoFrame> {
    return new Promise((resolve, reject) => {
      const p = spawn(this.bin, ['-hide_banner', '-nostats', '-threads', '1', '-protocol_whitelist', 'pipe', '-i', 'pipe:0', '-map', '0:v:0', '-frames:v', '1',
        '-vf', "scale='min(1024,iw)':-2", '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] })
      const out: Buffer[] = []
      let outBytes = 0
      let log = ''
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
      p.stdout.on('data', (b: Buffer) => { outBytes += b.length; if (outBytes <= MAX_OUT) out.push(b); else p.kill('SIGKILL') })
      p.stderr.on('data', (b: Buffer) => { if (log.length < MAX_LOG) log += b.toString('latin1') })
      // ffmpeg stops reading once it has its frame: the rest of the head then meets a closed pipe, which is fine.
      p.stdin.on('error', () => { /* EPIPE after ffmpeg had enough */ })
      p.stdin.end(head)
      p.once('error', (err) => { clearTimeout(timer); reject(err) })
      p.once('close', (code) => {
        clearTimeout(timer)
        const jpeg = code === 0 && outBytes > 0 && outBytes <= MAX_OUT ? Buffer.concat(out) : null
        resolve({ jpeg, duration: parseDuration(log) })
      })
    })
  }
}
