// Peer connections, dialled or accepted, whose socket reads land in one buffer reused for the connection's life.
//
// Node allocates a fresh 64 KiB Buffer for every socket read. A mirror receives its blocks as 512 KiB Noise frames,
// so each received MiB cost 16 such reads (each, under the 64 KiB MALLOC_MMAP_THRESHOLD_ shipped then, a new mmap,
// its page faults and a munmap) on top of the frames themselves, and V8 counts both towards its next full collection:
// a major GC every ~10 MiB received (bench/README.md, "CPU per mirrored MiB"). Reading into one reused buffer
// halves the Buffer bytes per received byte.
//
// Who keeps which bytes: @hyperswarm/secret-stream copies a frame that spans reads into a buffer of its own, but
// a frame that arrives whole inside one read is kept as a view of that read, decrypted in place and pushed on to
// protomux and hypercore, which hold it until it is verified and written. A view of a reused buffer would be
// overwritten by the next read, so such frames are copied out before secret-stream looks at them (`_incoming`,
// below). A frame that spans reads (every 512 KiB block) is assembled in a buffer of its own: once secret-stream
// has started one, the socket reads the rest of it straight into that buffer (`frameArea`), so a block's bytes are
// not copied from the read buffer into the frame, and come in fewer, larger reads.
//
// net.Server has no `onread` for the sockets it accepts, and a node that joins is usually dialled by the nodes
// already there, so a mirror mostly receives on an accepted socket: `adoptReused` moves an accepted socket's
// handle, before it has read anything (the server pauses on connect), to a socket made with `onread`.
import net from 'node:net'
import { NoiseSecretStream } from '../holepunch-modules.js'

/** Bytes one read may take. Larger reads assemble a 512 KiB frame from fewer chunks; the buffer lives per connection. */
export const READ_BYTES = 128 * 1024

/** A frame with at least this much left to arrive is read straight into its own buffer. */
export const DIRECT_READ_BYTES = 16 * 1024

interface FrameState {
  /** 0: reading the 3-byte length; 1: reading a frame of `_len` bytes, `_tmp` of them so far, into `_message`. */
  _state: number
  _len: number
  _tmp: number
  _message: Buffer | null
  _timeoutTimer: { refresh (): void } | null
  destroying: boolean
  _onrawdata (data: Buffer): void
  _incoming (): void
}

/**
 * A NoiseSecretStream fed from a reused read buffer. It relies on two private methods of secret-stream 6.9
 * (`_onrawdata`, the frame parser, and `_incoming`, which takes the frame it completed from `_message`): an upstream
 * option to copy whole frames (or to read into a caller's buffer) would replace this class.
 * test/unit/reused-reads.unit.test.ts checks the bytes delivered when the buffer is overwritten under them.
 */
export class ReusedReadStream extends NoiseSecretStream {
  constructor (initiator: boolean, socket: net.Socket, private readonly area: ArrayBuffer, opts: Record<string, unknown>) {
    super(initiator, socket, opts)
  }

  /** Bytes read into the reused buffer: parsed now, kept only as copies. */
  received (chunk: Buffer): void {
    (this as unknown as FrameState)._onrawdata(chunk)
  }

  /**
   * Where the next read should go when a large frame is under way: the part of its buffer still to fill (nothing
   * past the frame's end, so a read never takes bytes of the next frame). Null: read into the reused buffer.
   */
  frameArea (): Buffer | null {
    const self = this as unknown as FrameState
    if (self._state !== 1 || self.destroying || self._len - self._tmp < DIRECT_READ_BYTES) return null
    // Its length is known and nothing of it has arrived: secret-stream would allocate this buffer with the next bytes.
    if (self._message === null) self._message = Buffer.allocUnsafe(self._len)
    if (self._message.buffer === this.area) return null
    return self._message.subarray(self._tmp, self._len)
  }

  /** `n` bytes were read into the area `frameArea()` gave: what secret-stream's parser does with bytes it copies. */
  frameRead (n: number): void {
    const self = this as unknown as FrameState
    self._timeoutTimer?.refresh()
    self._tmp += n
    if (self._tmp === self._len) this._incoming()
  }

  _incoming (): void {
    const self = this as unknown as FrameState
    const m = self._message
    if (m !== null && m.buffer === this.area) self._message = Buffer.from(m)
    // The parent class is plain JavaScript: its method is not in the declared type.
    ;(NoiseSecretStream.prototype as unknown as FrameState)._incoming.call(this)
  }
}

interface Reads {
  socket: net.Socket
  area: ArrayBuffer
  /** Bytes read straight into frames' own buffers so far. */
  readonly direct: number
  attach (stream: ReusedReadStream): void
}

function readsInto (buffer: Buffer, socketOpts: net.SocketConstructorOpts & Record<string, unknown>, make: (o: net.SocketConstructorOpts & Record<string, unknown>) => net.Socket): Reads {
  let target: ReusedReadStream | null = null
  let early: Buffer[] = []
  let direct = 0
  const socket = make({
    ...socketOpts,
    onread: {
      // Asked before each read: Node reads into what this returns.
      buffer: () => target?.frameArea() ?? buffer,
      callback: (n: number, buf: Uint8Array) => {
        if (buf.buffer !== buffer.buffer) {
          direct += n
          target!.frameRead(n)
          return true
        }
        const chunk = Buffer.from(buf.buffer, buf.byteOffset, n)
        if (target) target.received(chunk)
        else early.push(Buffer.from(chunk))
        return true
      }
    }
  })
  return {
    socket,
    area: buffer.buffer as ArrayBuffer,
    get direct () { return direct },
    attach (stream) {
      target = stream
      for (const c of early) stream.received(c)
      early = []
    }
  }
}

/** Node's private parts of an accepted socket that adoption moves (Node 20's lib/net.js). */
interface AcceptedInternals { _handle: { readStart?: unknown } | null, _server: net.Server | null, server: net.Server | null }

/**
 * Moves a socket that a server made with `pauseOnConnect` (so nothing has been read from it) onto a socket that
 * reads into one reused buffer, or returns null where Node's socket does not have the parts this relies on (its
 * `_handle` and the server's connection count in `_server`), and the caller keeps the socket as it is. An upstream
 * `onread` option for net.Server would replace this.
 */
export function adoptReused (accepted: net.Socket, highWaterMark: number): Reads | null {
  const inner = accepted as unknown as AcceptedInternals
  const handle = inner._handle
  if (!handle || typeof handle.readStart !== 'function' || !inner._server || accepted.readableLength > 0) return null
  const reads = readsInto(Buffer.allocUnsafeSlow(READ_BYTES), { readableHighWaterMark: highWaterMark, writableHighWaterMark: highWaterMark, handle } as unknown as net.SocketConstructorOpts & Record<string, unknown>, (o) => new net.Socket(o))
  // The server counts its connections down as each socket closes: the count goes with the handle.
  const own = reads.socket as unknown as AcceptedInternals
  own._server = inner._server
  own.server = inner.server
  inner._server = null
  inner._handle = null
  return reads
}

/**
 * Dials host:port with reads into one buffer. `attach` hands the socket's bytes to the stream made on it;
 * bytes read before that (none with secret-stream, which is made at 'connect') are kept as copies until then.
 */
export function dialReused (opts: { host: string, port: number, highWaterMark: number }): Reads {
  // net.Socket hands stream options on to stream.Duplex; @types/node does not list them.
  return readsInto(Buffer.allocUnsafeSlow(READ_BYTES), { highWaterMark: opts.highWaterMark } as net.SocketConstructorOpts & Record<string, unknown>,
    (o) => net.connect({ ...o, host: opts.host, port: opts.port } as net.NetConnectOpts))
}
