// Summarises a `perf record -g` of a mirror (bench/replication --perf DIR) by what each sample's stack shows:
// RocksDB's threads, the write-ahead log, BLAKE2b, decryption, V8's GC, page faults, … — the whole process,
// kernel included, which `--cpu-prof` (the JS thread only) cannot see.
//   node bench/lib/perf-summary.mjs DIR/perf-PID.data
import { execFileSync } from 'node:child_process'

const [file] = process.argv.slice(2)
if (!file) { console.error('usage: node bench/lib/perf-summary.mjs perf-PID.data'); process.exit(2) }
const text = execFileSync('perf', ['script', '-i', file, '-F', 'comm,tid,ip,sym'], { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })

// First match wins, so the more specific kinds come first.
const KINDS = [
  ['RocksDB compaction thread (blob GC relocation, CRC32C)', (comm) => comm.startsWith('rocksdb:low')],
  ['RocksDB flush thread (blob files, CRC32C)', (comm) => comm.startsWith('rocksdb:high')],
  ['BLAKE2b (block verification)', (comm, s) => s.includes('blake2b')],
  ['Noise decryption (ChaCha20-Poly1305)', (comm, s) => s.includes('chacha20') || s.includes('poly1305')],
  ['RocksDB write-ahead log', (comm, s) => s.includes('rocksdb::log::Writer') || s.includes('WriteToWAL')],
  ['RocksDB memtable inserts', (comm, s) => s.includes('MemTable')],
  ['RocksDB, other', (comm, s) => s.includes('rocksdb')],
  ['V8 garbage collection', (comm, s, leaf) => !leaf.startsWith('JS:') && /Marking|Sweep|Scaveng|v8::internal::Heap::|MarkCompact|GCTracer|Evacuat/.test(s)],
  ['copying socket chunks into Noise frames', (comm, s) => s.includes('_onrawdata') && (s.includes('memmove') || s.includes('page_fault'))],
  ['munmap', (comm, s) => /munmap|unmap_page|unmap_region/.test(s)],
  ['mmap', (comm, s) => s.includes('mmap')],
  ['page faults, other', (comm, s) => /exc_page_fault|clear_page|do_anonymous_page/.test(s)],
  ['socket reads', (comm, s) => /ksys_read|sock_read|tcp_recvmsg/.test(s)],
  ['socket writes', (comm, s) => /writev|tcp_sendmsg/.test(s)],
  ['statfs (status polls)', (comm, s) => s.includes('statfs')],
  ['thread wake-ups, epoll', (comm, s) => /futex|schedule|epoll/.test(s)],
  ['V8 compiling', (comm, s) => /Compile|Parse/.test(s)],
  ['JS and the V8/Node runtime', (comm, s, leaf) => leaf.startsWith('JS:') || /Builtins|v8::|node::/.test(leaf)]
]

const counts = new Map()
let total = 0
let crc = 0
for (const sample of text.split('\n\n')) {
  const lines = sample.split('\n').filter(l => l.trim())
  if (lines.length === 0) continue
  const head = lines[0].trim().split(/\s+/)
  const comm = head.slice(0, -1).join(' ')
  const frames = lines.slice(1).map(l => l.trim().replace(/^[0-9a-f]+ /, ''))
  const s = frames.join(' ')
  const leaf = frames[0] ?? ''
  const kind = KINDS.find(([, test]) => test(comm, s, leaf))?.[0] ?? 'other'
  counts.set(kind, (counts.get(kind) ?? 0) + 1)
  if (leaf.includes('crc32c')) crc++
  total++
}
const pct = (n) => (100 * n / total).toFixed(1).padStart(5) + ' %'
console.log(`${total} samples`)
for (const [kind, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${pct(n)}  ${kind}`)
console.log(`\nof which CRC32C (rocksdb::crc32c, any thread): ${pct(crc)}`)
