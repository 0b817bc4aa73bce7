import { describe, it, expect, afterEach } from 'vitest'
import net from 'node:net'
import crypto from 'node:crypto'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import { ReusedReadStream, adoptReused, dialReused, READ_BYTES } from '../../services/replication/reused-reads.js'
import { until } from '../helpers/until.js'

const servers: net.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise(resolve => s.close(resolve))
})

/** A loopback peer that sends `messages` over plain secret-stream once the handshake is done. */
async function sender (messages: Buffer[]): Promise<number> {
  const server = net.createServer((socket) => {
    const stream = new NoiseSecretStream(false, socket)
    stream.on('error', () => { /* the client closes first */ })
    void stream.opened.then(() => { for (const m of messages) stream.write(m) })
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

/**
 * Dials with reads into one reused buffer; every message received is kept as delivered. `pauseAtFirst` pauses the
 * stream as the first message is delivered, before the rest can have arrived (a busy machine's polling can be late).
 */
function receiver (port: number, { pauseAtFirst = false } = {}) {
  const reads = dialReused({ host: '127.0.0.1', port, highWaterMark: 16 * 1024 })
  const received: Buffer[] = []
  let stream: ReusedReadStream | null = null
  reads.socket.once('connect', () => {
    stream = new ReusedReadStream(true, reads.socket, reads.area, {})
    reads.attach(stream)
    stream.on('data', (m: Buffer) => {
      received.push(m)
      if (pauseAtFirst && received.length === 1) stream!.pause()
    })
    stream.on('error', () => { /* closed by the test */ })
  })
  return { received, reads, stream: () => stream, close: () => stream?.destroy() }
}

describe('reads into a reused buffer (dialled peers)', () => {
  it('delivers every frame intact after later reads have overwritten the buffer: small frames many to a read, 512 KiB frames across reads', async () => {
    // Blocks of a mirror (512 KiB), small files (10 KiB) and wire messages (tens of bytes), interleaved: far more
    // bytes than the buffer holds, so every area of it is read into many times while earlier messages are kept.
    const sizes = [40, 10 * 1024, 512 * 1024, 7, 10 * 1024, 3000, 512 * 1024 + 13, 65536, 1]
    const messages: Buffer[] = []
    for (let i = 0; i < 120; i++) messages.push(crypto.randomBytes(sizes[i % sizes.length]))
    const total = messages.reduce((n, m) => n + m.byteLength, 0)
    expect(total).toBeGreaterThan(50 * READ_BYTES)

    const port = await sender(messages)
    const r = receiver(port)
    await until(() => r.received.length === messages.length, { timeout: 20_000, what: 'every message' })
    r.close()

    for (let i = 0; i < messages.length; i++) {
      expect(r.received[i].byteLength).toBe(messages[i].byteLength)
      expect(r.received[i].equals(messages[i])).toBe(true)
      // None of them lives in the buffer the socket reads into.
      expect(r.received[i].buffer).not.toBe(r.reads.area)
    }
    // Most bytes of the large frames were read straight into their own buffers, not copied there from the read buffer.
    const large = messages.filter(m => m.byteLength >= 65536).reduce((n, m) => n + m.byteLength, 0)
    expect(r.reads.direct).toBeGreaterThan(large / 2)
  })

  it('stops reading the socket while nobody reads the stream, and loses nothing when reading resumes', async () => {
    const messages: Buffer[] = []
    for (let i = 0; i < 40; i++) messages.push(crypto.randomBytes(512 * 1024))
    const port = await sender(messages)
    const r = receiver(port, { pauseAtFirst: true })
    await until(() => r.received.length > 0, { what: 'the first message' })
    // secret-stream pauses its socket once its own buffer is full; with reads into a reused buffer that must
    // stop the reads too, or the next read would land on bytes not parsed yet.
    await until(() => r.reads.socket.isPaused(), { what: 'the socket paused' })
    expect(r.received.length).toBeLessThan(messages.length)
    r.stream()!.resume()
    await until(() => r.received.length === messages.length, { timeout: 20_000, what: 'every message' })
    r.close()
    for (let i = 0; i < messages.length; i++) expect(r.received[i].equals(messages[i])).toBe(true)
  })
})

describe('reads into a reused buffer (accepted peers)', () => {
  /** A server that adopts each socket it accepts, as PeerManager does, and a plain secret-stream client sending to it. */
  async function acceptedPair (messages: Buffer[]) {
    const received: Buffer[] = []
    const state: { reads: ReturnType<typeof adoptReused>, stream: ReusedReadStream | null, server: net.Server | null } = { reads: null, stream: null, server: null }
    const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
      state.reads = adoptReused(accepted, 16 * 1024)
      if (!state.reads) throw new Error('not adopted')
      state.stream = new ReusedReadStream(false, state.reads.socket, state.reads.area, {})
      state.reads.attach(state.stream)
      state.stream.on('data', (m: Buffer) => received.push(m))
      state.stream.on('error', () => { /* closed by the test */ })
    })
    state.server = server
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const client = new NoiseSecretStream(true, net.connect((server.address() as net.AddressInfo).port, '127.0.0.1'))
    client.on('error', () => { /* closed by the test */ })
    void client.opened.then(() => { for (const m of messages) client.write(m) })
    return { received, state, client }
  }

  it('delivers every frame intact, and the server closes once the adopted socket has', async () => {
    const sizes = [40, 10 * 1024, 512 * 1024, 7, 3000, 512 * 1024 + 13, 65536]
    const messages: Buffer[] = []
    for (let i = 0; i < 60; i++) messages.push(crypto.randomBytes(sizes[i % sizes.length]))
    const { received, state, client } = await acceptedPair(messages)
    await until(() => received.length === messages.length, { timeout: 20_000, what: 'every message' })
    for (let i = 0; i < messages.length; i++) {
      expect(received[i].equals(messages[i])).toBe(true)
      expect(received[i].buffer).not.toBe(state.reads!.area)
    }
    expect(state.reads!.direct).toBeGreaterThan(0)
    // The server counted the connection when it accepted it: the adopted socket must count it down, or close() waits for ever.
    client.destroy()
    await until(() => state.reads!.socket.destroyed, { what: 'the adopted socket closed' })
    await new Promise<void>((resolve, reject) => state.server!.close((err) => err ? reject(err) : resolve()))
  })
})
