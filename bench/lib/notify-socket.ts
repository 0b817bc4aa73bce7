// A stand-in for systemd's notification socket: python3 binds a unix datagram socket and prints every message
// with the wall-clock time it arrived, so the bench can time READY=1 from the node's start as systemd would.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'

const LISTENER = `
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    msg = s.recv(65536).decode("utf-8", "replace")
    for line in msg.split("\\n"):
        if line: print(f"{time.time() * 1000:.1f} {line}", flush=True)
`

export class NotifySocket {
  readonly path: string
  private proc: ChildProcess | null = null
  private readonly messages: Array<{ at: number, text: string }> = []
  private waiters: Array<{ text: string, resolve: (at: number) => void }> = []

  constructor (dir: string) {
    this.path = path.join(dir, 'notify.sock')
  }

  async open (): Promise<void> {
    this.proc = spawn('python3', ['-c', LISTENER, this.path], { stdio: ['ignore', 'pipe', 'inherit'] })
    let rest = ''
    let bound: () => void
    const isBound = new Promise<void>((resolve) => { bound = resolve })
    this.proc.stdout!.on('data', (d) => {
      const lines = (rest + String(d)).split('\n')
      rest = lines.pop() ?? ''
      for (const l of lines) {
        if (l === 'bound') { bound(); continue }
        const i = l.indexOf(' ')
        const msg = { at: Number(l.slice(0, i)), text: l.slice(i + 1) }
        this.messages.push(msg)
        this.waiters = this.waiters.filter(w => { if (w.text === msg.text) { w.resolve(msg.at); return false } return true })
      }
    })
    await isBound
  }

  /** When `text` (e.g. READY=1) arrived after `since`, waiting for it if need be. */
  arrival (text: string, since: number, timeoutMs = 60_000): Promise<number> {
    const seen = this.messages.find(m => m.text === text && m.at >= since)
    if (seen) return Promise.resolve(seen.at)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${text} within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({ text, resolve: (at) => { clearTimeout(timer); resolve(at) } })
    })
  }

  async close (): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return
    const exited = once(this.proc, 'exit')
    this.proc.kill()
    await exited
  }
}
