// A hostile mDNS responder for integration tests: raw multicast-dns, no bonjour-service. It answers every query
// for our service type, and announces on its own, with 1,000 bogus instances whose TXT records are malformed in
// every way we know of, plus undecodable packets.
// One well-formed control record (key given as the fourth argument, port 4999) proves the flood is heard at all.
// Usage: node --import tsx test/helpers/mdns-hostile.ts <interface ip> <count> <spoofed own key> <control key>
import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import { createRequire } from 'node:module'

// multicast-dns ships no types, and this one file is its only direct user.
const makeMdns = createRequire(import.meta.url)('multicast-dns')

const [ip, countArg, spoofKey, controlKey] = process.argv.slice(2)
const count = Number(countArg ?? 1000)
const TYPE = '_p2p-portal._tcp.local'
const VALID = 'ybndrfg8ejkmcpqxot1uwisza345h769ybndrfg8ejkmcpqxot1o'

// Each shape is one way to be wrong; none of them may become a peer.
const badTxt = (i: number): Buffer[] => {
  const shapes: Array<() => Array<Buffer | string>> = [
    () => [],
    () => ['k=tooshort', 'v=1'],
    () => [`k=${VALID}x`, 'v=1'], // 53 characters
    () => [`k=${VALID.slice(0, 51)}l`, 'v=1'], // 'l' is not z-base-32
    () => [`k=${VALID.slice(0, 51)}b`, 'v=1'], // not a canonical 32-byte key
    () => [`k=${VALID.toUpperCase()}`, 'v=1'],
    () => [`k=${VALID}`, 'v=one'],
    () => [`k=${VALID}`], // no version
    () => [`k=${VALID}\nx`, 'v=1'],
    () => ['k=' + 'y'.repeat(252), 'v=1'],
    () => [randomBytes(200), randomBytes(50)],
    () => ['=', '==', 'k', 'v'],
    () => [`k=${spoofKey ?? VALID}`, 'v=1'], // the listening node's own key
    () => ['__proto__=1', 'constructor=x', `k=${VALID}`, 'v=99999999999']
  ]
  return shapes[i % shapes.length]().map((e) => Buffer.isBuffer(e) ? e : Buffer.from(e))
}

const records = (i: number) => {
  const fqdn = `bogus ${i}.${TYPE}`
  const host = `bogus-${i}.local`
  return [
    { name: TYPE, type: 'PTR' as const, ttl: 4500, data: fqdn },
    { name: fqdn, type: 'SRV' as const, ttl: 120, data: { port: i % 7 === 0 ? 0 : 1000 + i, target: host } },
    { name: fqdn, type: 'TXT' as const, ttl: 4500, data: badTxt(i) },
    { name: host, type: 'A' as const, ttl: 120, data: i % 5 === 0 ? '224.0.0.251' : ip }
  ]
}

const control = [
  { name: TYPE, type: 'PTR', ttl: 4500, data: `control.${TYPE}` },
  { name: `control.${TYPE}`, type: 'SRV', ttl: 120, data: { port: 4999, target: 'control.local' } },
  { name: `control.${TYPE}`, type: 'TXT', ttl: 4500, data: [`k=${controlKey}`, 'v=1'] },
  { name: 'control.local', type: 'A', ttl: 120, data: ip }
]

const mdns = makeMdns({ interface: ip, bind: '0.0.0.0' })
mdns.on('error', (err: Error) => console.error('hostile:', err.message))
mdns.on('warning', () => { /* malformed packets are what this peer sends */ })

let sent = 0
function flood () {
  // Twenty services a packet keeps each under the 9000-byte mDNS limit.
  for (let i = 0; i < count; i += 20) {
    const answers = []
    for (let j = i; j < Math.min(i + 20, count); j++) answers.push(...records(j))
    mdns.respond({ answers }, () => { /* fire and forget: a flood does not wait */ })
    sent += 1
  }
  mdns.respond({ answers: control }, () => { /* fire and forget */ })
  const raw = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  raw.bind(0, ip, () => {
    for (let n = 0; n < 50; n++) raw.send(randomBytes(12 + n * 20), 5353, '224.0.0.251')
    raw.send(Buffer.alloc(0), 5353, '224.0.0.251', () => raw.close())
  })
}

mdns.on('query', (q: { questions: Array<{ name: string }> }) => {
  if (q.questions.some((x) => x.name.toLowerCase() === TYPE.toLowerCase())) flood()
})
mdns.on('ready', () => {
  flood()
  process.stdout.write(JSON.stringify({ event: 'flooding', packets: sent }) + '\n')
})
// One line per timed round, so a test can wait for the nodes to take several more floods instead of sleeping.
let rounds = 0
setInterval(() => {
  flood()
  process.stdout.write(JSON.stringify({ event: 'round', n: ++rounds, packets: sent }) + '\n')
}, 1000)
process.once('SIGTERM', () => mdns.destroy(() => process.exit(0)))
