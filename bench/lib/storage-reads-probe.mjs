// Loaded into a bench node with `--import` (never in production): counts the node's RocksDB read and write batches
// by the call site that flushed them, and how many keys each read, so a profile's time in rocksdb-native can be
// put down to who asks (each batch is one hand-off to libuv's thread pool and back). Once a second it rewrites
// P2P_READS_PROBE_OUT (default /tmp/storage-reads-PID.txt) with the totals and the busiest sites.
//   node --import tsx bench/run.ts replication --data small --runs 1 --node-arg=--import=./bench/lib/storage-reads-probe.mjs
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// rocksdb-native exports no subpaths, so its batch classes are loaded by file, the same file the stack requires.
const { ReadBatch, WriteBatch } = createRequire(path.join(ROOT, 'package.json'))(path.join(ROOT, 'node_modules/rocksdb-native/lib/batch.js'))
const OUT = process.env.P2P_READS_PROBE_OUT ?? `/tmp/storage-reads-${process.pid}.txt`
const FRAMES = 6

const totals = { readBatches: 0, emptyReadBatches: 0, keysRead: 0, writeBatches: 0 }
const sites = new Map()

function site (keys) {
  const frames = (new Error().stack ?? '').split('\n').slice(3, 3 + FRAMES)
    .map(f => f.trim().replace(/^at /, '').replace(/\(.*node_modules\//, '('))
  return `[${keys === 0 ? 'empty' : keys + ' key(s)'}] ${frames.join(' < ')}`
}

const readFlush = ReadBatch.prototype._flush
ReadBatch.prototype._flush = function () {
  const keys = this._operations.length
  totals.readBatches++
  totals.keysRead += keys
  if (keys === 0) totals.emptyReadBatches++
  const at = site(keys)
  sites.set(at, (sites.get(at) ?? 0) + 1)
  return readFlush.call(this)
}

const writeFlush = WriteBatch.prototype._flush
WriteBatch.prototype._flush = function () {
  totals.writeBatches++
  return writeFlush.call(this)
}

setInterval(() => {
  const busiest = [...sites].sort((a, b) => b[1] - a[1]).slice(0, 20)
  fs.writeFileSync(OUT, JSON.stringify(totals) + '\n\n' + busiest.map(([at, n]) => `${n}  ${at}`).join('\n\n') + '\n')
}, 1000).unref()
