// The little of POSIX tar a release bundle needs: regular files only, ustar headers, PAX `path` records for
// names longer than ustar holds (node_modules paths are). Written and read here rather than with a tar package:
// the reader faces files from a stranger's USB stick, and this one only indexes, never extracts.
import fs from 'node:fs/promises'
import { createReadStream } from 'node:fs'

const BLOCK = 512

export interface TarInput {
  path: string
  size: number
  executable: boolean
  /** The file's bytes, as a stream or all at once. */
  open (): AsyncIterable<Buffer | Uint8Array> | Buffer
}

export interface TarEntry {
  path: string
  size: number
  executable: boolean
  /** Where the file's bytes start in the tar file. */
  offset: number
}

function octal (n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0'
}

function header (name: string, size: number, mode: number, type: string, prefix = ''): Buffer {
  const h = Buffer.alloc(BLOCK)
  h.write(name, 0, 100, 'utf8')
  h.write(octal(mode, 8), 100)
  h.write(octal(0, 8), 108)
  h.write(octal(0, 8), 116)
  h.write(octal(size, 12), 124)
  h.write(octal(0, 12), 136)
  h.write(' '.repeat(8), 148)
  h.write(type, 156)
  h.write('ustar\0', 257)
  h.write('00', 263)
  h.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const b of h) sum += b
  h.write(octal(sum, 7) + ' ', 148)
  return h
}

/** ustar's name/prefix split when the path fits, else null. */
function splitName (p: string): { name: string, prefix: string } | null {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' }
  for (let at = p.indexOf('/'); at !== -1; at = p.indexOf('/', at + 1)) {
    const prefix = p.slice(0, at)
    const name = p.slice(at + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix }
  }
  return null
}

function paxRecord (key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`
  const bytes = Buffer.byteLength(body)
  // The length counts its own digits.
  let len = bytes + String(bytes).length
  if (String(len).length !== String(bytes).length) len++
  return Buffer.from(String(len) + body)
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)

/** Writes `files` as a tar file at `file` (through a temp file and a rename: a stick pulled out leaves no half bundle). */
export async function writeTar (file: string, files: TarInput[]): Promise<void> {
  const tmp = `${file}.partial`
  const out = await fs.open(tmp, 'w', 0o644)
  try {
    for (const f of files) {
      const split = splitName(f.path)
      if (split === null) {
        const pax = paxRecord('path', f.path)
        await out.write(header('PaxHeader', pax.length, 0o644, 'x'))
        await out.write(Buffer.concat([pax, padding(pax.length)]))
      }
      const { name, prefix } = split ?? { name: f.path.slice(-100), prefix: '' }
      await out.write(header(name, f.size, f.executable ? 0o755 : 0o644, '0', prefix))
      let written = 0
      const src = f.open()
      for await (const chunk of Buffer.isBuffer(src) ? [src] : src) {
        written += chunk.length
        await out.write(chunk)
      }
      if (written !== f.size) throw new Error(`${f.path} changed while it was being written (${written} bytes, expected ${f.size})`)
      await out.write(padding(f.size))
    }
    await out.write(Buffer.alloc(BLOCK * 2))
    await out.sync()
  } finally {
    await out.close()
  }
  await fs.rename(tmp, file)
}

function readOctal (b: Buffer, start: number, len: number): number {
  const text = b.toString('ascii', start, start + len).replace(/\0.*$/, '').trim()
  if (!/^[0-7]*$/.test(text)) throw new Error('not a tar file (bad number in a header)')
  return text === '' ? 0 : parseInt(text, 8)
}

function readString (b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start)
  return b.toString('utf8', start, end === -1 || end > start + len ? start + len : end)
}

/** Lists a tar file's regular files without reading their bytes. Throws on anything that is not plain ustar/PAX. */
export async function indexTar (file: string, limits: { maxEntries: number, maxHeaderBytes?: number }): Promise<TarEntry[]> {
  const fh = await fs.open(file, 'r')
  try {
    const { size: total } = await fh.stat()
    const entries: TarEntry[] = []
    const block = Buffer.alloc(BLOCK)
    let pos = 0
    let paxPath: string | null = null
    while (pos + BLOCK <= total) {
      await fh.read(block, 0, BLOCK, pos)
      if (block.every(b => b === 0)) return entries
      let sum = 0
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]
      if (sum !== readOctal(block, 148, 8)) throw new Error('not a tar file (header checksum mismatch)')
      const size = readOctal(block, 124, 12)
      const type = String.fromCharCode(block[156] || 48)
      const name = readString(block, 0, 100)
      const prefix = block.toString('ascii', 257, 262) === 'ustar' ? readString(block, 345, 155) : ''
      const dataAt = pos + BLOCK
      if (dataAt + size > total) throw new Error('the tar file is cut short')
      pos = dataAt + size + padding(size).length
      if (type === 'x') {
        if (size > (limits.maxHeaderBytes ?? 64 * 1024)) throw new Error('a tar PAX header is too large')
        const body = Buffer.alloc(size)
        await fh.read(body, 0, size, dataAt)
        const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))
        paxPath = m ? m[1] : null
        continue
      }
      if (type === '5') { paxPath = null; continue }
      if (type !== '0') throw new Error(`the tar file holds something other than files and folders ("${name}")`)
      entries.push({ path: paxPath ?? (prefix ? `${prefix}/${name}` : name), size, executable: (readOctal(block, 100, 8) & 0o111) !== 0, offset: dataAt })
      paxPath = null
      if (entries.length > limits.maxEntries) throw new Error(`the tar file holds more than ${limits.maxEntries} files`)
    }
    throw new Error('the tar file is cut short (no end marker)')
  } finally {
    await fh.close()
  }
}

/** A file's bytes from inside the tar. */
export function readTarEntry (file: string, entry: TarEntry): AsyncIterable<Buffer> {
  if (entry.size === 0) return (async function * () { /* an empty file has no bytes to yield */ })()
  return createReadStream(file, { start: entry.offset, end: entry.offset + entry.size - 1 })
}

export async function readTarBytes (file: string, entry: TarEntry, limit: number): Promise<Buffer> {
  if (entry.size > limit) throw new Error(`${entry.path} is larger than ${limit} bytes`)
  const fh = await fs.open(file, 'r')
  try {
    const buf = Buffer.alloc(entry.size)
    await fh.read(buf, 0, entry.size, entry.offset)
    return buf
  } finally {
    await fh.close()
  }
}
