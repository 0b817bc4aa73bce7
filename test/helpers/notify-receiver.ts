// systemd's end of NOTIFY_SOCKET for tests. Node has no unix datagram sockets, so a few lines of Python bind a
// real SOCK_DGRAM socket and print every datagram as one JSON line.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import path from 'node:path'

const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("BOUND"), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`

export interface Receiver {
  socket: string
  messages: string[]
  /** When each message arrived (ms since epoch), parallel to `messages`. */
  times: number[]
  child: ChildProcess
  stop (): void
}

export async function startReceiver (dir: string): Promise<Receiver> {
  const socket = path.join(dir, 'notify.sock')
  const child = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] })
  const messages: string[] = []
  const times: number[] = []
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as string
      if (msg === 'BOUND') resolve()
      else { messages.push(msg); times.push(Date.now()) }
    })
  })
  return { socket, messages, times, child, stop: () => { child.kill() } }
}

/** Every VARIABLE=VALUE line received, minus the BARRIER=1 handshakes the systemd-notify binary adds. */
export function assignments (r: Receiver): string[] {
  return r.messages.flatMap((m) => m.split('\n')).filter((l) => l !== '' && l !== 'BARRIER=1')
}
