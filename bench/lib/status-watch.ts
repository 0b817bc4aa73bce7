// Runs inside the mirror's namespace (the bench process cannot reach it) and polls the node's status API fast,
// printing one JSON line per milestone with the wall-clock time it was first seen:
//   {"event":"ready"} then "peer", "drive" (metadata known), "first" (some file data local), "done".
// Once "first" is seen, or FAST_FOR_MS after "peer", it polls only every SLOW_MS: the node logs its completion
// (which the bench times), and every poll costs the measured node CPU (an HTTP answer, a statfs): at 10 ms that
// was ≈ 0.5 ms of the mirror's CPU per poll, 1,300 polls in a 13 s transfer on a loaded machine. A first byte
// later than FAST_FOR_MS is then seen to within SLOW_MS.
//
//   status-watch.ts URL TITLE [EVERY_MS]
const [url, title, everyArg] = process.argv.slice(2)
const every = Number(everyArg ?? 20)
const SLOW_MS = 250
const FAST_FOR_MS = 3000
let peerAt = 0
const seen = new Set<string>()

function mark (event: string, extra: Record<string, unknown> = {}): void {
  if (seen.has(event)) return
  seen.add(event)
  process.stdout.write(JSON.stringify({ event, at: Date.now(), ...extra }) + '\n')
}

process.stdout.write(JSON.stringify({ event: 'watching', at: Date.now() }) + '\n')
while (!seen.has('done')) {
  try {
    const res = await fetch(`${url}/api/status`)
    const status = await res.json() as any
    mark('ready')
    if (status.peers.length > 0) { mark('peer'); peerAt ||= Date.now() }
    const d = status.drives.find((x: any) => x.title === title && !x.own)
    if (d && d.files > 0) mark('drive', { files: d.files, bytes: d.bytes })
    if (d && d.localBytes > 0) mark('first', { localBytes: d.localBytes })
    if (d && d.files > 0 && d.localBytes >= d.bytes) mark('done', { files: d.files, bytes: d.bytes })
  } catch { /* the node is not answering yet: poll again */ }
  await new Promise(resolve => setTimeout(resolve, seen.has('first') || (peerAt && Date.now() - peerAt > FAST_FOR_MS) ? SLOW_MS : every))
}
