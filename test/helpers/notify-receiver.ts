// systemd's end of NOTIFY_SOCKET for tests. Node has no unix datagram sockets, so a few lines of Python bind a
// real SOCK_DGRAM socket and print every datagram as one JSON line. A line on its stdin asks it to print every
// datagram already queued and then "DRAINED": the event a test awaits instead of sleeping for the pipe to catch up.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import path from 'node:path'

const RECEIVER = `
import json, os, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("BOUND"), flush=True)
while True:
    ready, _, _ = select.select([s, 0], [], [])
    if s in ready:
        print(json.dumps(s.recv(65536).decode()), flush=True)
    if 0 in ready:
        asks = os.read(0, 4096).count(b"\\n")
        if asks == 0:
            break
        s.setblocking(False)
        try:
            while True:
                print(json.dumps(s.recv(65536).decode()), flush=True)
        except BlockingIOError:
            pass
        s.setblocking(True)
        for _ in range(asks):
            print(json.dumps("DRAINED"), flush=True)
`

export interface Receiver {
  socket: string
  messages: string[]
  /** When each message arrived (ms since epoch), parallel to `messages`. */
  times: number[]
  child: ChildProcess
  /** Resolves once every datagram that reached the socket before this call is in `messages`. */
  drain (): Promise<void>
  stop (): void
}

export async function startReceiver (dir: string): Promise<Receiver> {
  const socket = path.join(dir, 'notify.sock')
  const child = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['pipe', 'pipe', 'inherit'] })
  const messages: string[] = []
  const times: number[] = []
  const drains: Array<() => void> = []
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as string
      if (msg === 'BOUND') resolve()
      else if (msg === 'DRAINED') drains.shift()?.()
      else { messages.push(msg); times.push(Date.now()) }
    })
  })
  const drain = () => new Promise<void>((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('the notify receiver has exited'))
    drains.push(resolve)
    child.stdin!.write('\n')
  })
  return { socket, messages, times, child, drain, stop: () => { child.kill() } }
}

/** Every VARIABLE=VALUE line received, minus the BARRIER=1 handshakes the systemd-notify binary adds. */
export function assignments (r: Receiver): string[] {
  return r.messages.flatMap((m) => m.split('\n')).filter((l) => l !== '' && l !== 'BARRIER=1')
}
