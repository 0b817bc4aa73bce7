// Minimal declarations for the untyped Holepunch modules: only what p2p-portal calls.
declare module 'corestore' {
  import { EventEmitter } from 'node:events'
  export default class Corestore extends EventEmitter {
    constructor (storage: string | object, opts?: Record<string, unknown>)
    primaryKey: Buffer
    opened: boolean
    closing: Promise<void> | null
    ready (): Promise<void>
    close (): Promise<void>
    get (opts: Record<string, unknown> | Buffer): any
    namespace (name: string): Corestore
    session (opts?: Record<string, unknown>): Corestore
    replicate (isInitiatorOrStream: boolean | any, opts?: Record<string, unknown>): any
    createKeyPair (name: string): Promise<{ publicKey: Buffer, secretKey: Buffer }>
    audit (opts?: Record<string, unknown>): AsyncIterable<any>
    storage: any
  }
}
declare module 'hyperdrive' {
  export default class Hyperdrive {
    constructor (store: any, key?: Buffer | null, opts?: Record<string, unknown>)
    key: Buffer
    discoveryKey: Buffer
    version: number
    writable: boolean
    core: any
    db: any
    blobs: any
    opened: boolean
    closed: boolean
    ready (): Promise<void>
    close (): Promise<void>
    /** ready-resource's: what ready() runs, once. */
    protected _open (): Promise<void>
    /** Closes every session of both cores and deletes them from the store. */
    purge (): Promise<void>
    update (opts?: Record<string, unknown>): Promise<boolean>
    getBlobs (): Promise<any>
    entry (path: string, opts?: Record<string, unknown>): Promise<any>
    get (path: string, opts?: Record<string, unknown>): Promise<Buffer | null>
    put (path: string, data: Buffer | string, opts?: Record<string, unknown>): Promise<void>
    del (path: string): Promise<void>
    list (folder?: string, opts?: Record<string, unknown>): AsyncIterable<any>
    readdir (folder?: string, opts?: Record<string, unknown>): AsyncIterable<string>
    entries (opts?: Record<string, unknown>): AsyncIterable<any>
    createReadStream (path: string, opts?: Record<string, unknown>): NodeJS.ReadableStream & any
    createWriteStream (path: string, opts?: Record<string, unknown>): any
    checkout (version: number): Hyperdrive
    watch (folder?: string): any
    batch (): any
    [key: string]: any
  }
}
declare module '@hyperswarm/secret-stream' {
  import { Duplex } from 'node:stream'
  export default class NoiseSecretStream extends Duplex {
    constructor (isInitiator: boolean, rawStream?: any, opts?: Record<string, unknown>)
    remotePublicKey: Buffer | null
    publicKey: Buffer
    opened: Promise<boolean>
    rawStream: any
    userData: any
    setTimeout (ms: number): void
    setKeepAlive (ms: number): void
    static keyPair (seed?: Buffer): { publicKey: Buffer, secretKey: Buffer }
  }
}
declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  export default class Hyperswarm extends EventEmitter {
    constructor (opts?: Record<string, unknown>)
    join (topic: Buffer, opts?: Record<string, unknown>): { flushed (): Promise<void>, destroy (): Promise<void> }
    leave (topic: Buffer): Promise<void>
    flush (): Promise<void>
    destroy (): Promise<void>
    connections: Set<any>
    dht: any
  }
}
declare module 'hyperdht' {
  export default class HyperDHT {
    constructor (opts?: Record<string, unknown>)
    static bootstrapper (port: number, host: string, opts?: Record<string, unknown>): HyperDHT
    static keyPair (seed?: Buffer): { publicKey: Buffer, secretKey: Buffer }
    ready (): Promise<void>
    destroy (): Promise<void>
    address (): { host: string, port: number }
    [key: string]: any
  }
}
declare module 'protomux' {
  export default class Protomux {
    static from (stream: any, opts?: Record<string, unknown>): Protomux
    createChannel (opts: Record<string, unknown>): any
    [key: string]: any
  }
}
declare module 'compact-encoding' {
  const c: any
  export default c
}
declare module 'hypercore' {
  const Hypercore: any
  export default Hypercore
}
declare module 'hypercore-id-encoding' {
  export function encode (key: Buffer): string
  export function decode (id: string | Buffer): Buffer
  export function normalize (id: string | Buffer): string
  export function isValid (id: unknown): boolean
}
declare module 'hypercore-crypto' {
  export function discoveryKey (key: Buffer): Buffer
  export function keyPair (seed?: Buffer): { publicKey: Buffer, secretKey: Buffer }
  export function randomBytes (n: number): Buffer
  export function hash (data: Buffer | Buffer[]): Buffer
}
declare module 'b4a' {
  const b4a: any
  export default b4a
}
declare module 'hypercore-storage' {
  export default class CoreStorage {
    constructor (dir: string, opts?: Record<string, unknown>)
    static isCoreStorage (s: unknown): boolean
  }
}
