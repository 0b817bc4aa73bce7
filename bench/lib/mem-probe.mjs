// Loaded into a bench node with `--import` (never in production): once a second it writes where the node's
// memory is, as one `[mem-probe] {...}` line on stderr, so a bench can tell the V8 heap from buffers held
// outside it (arrayBuffers: Hypercore blocks, Noise frames) and from native memory (RocksDB, malloc).
import fs from 'node:fs'

const MiB = 1024 * 1024
const EVERY_MS = Number(process.env.P2P_MEM_PROBE_MS ?? 1000)

function smaps () {
  const out = {}
  try {
    for (const line of fs.readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
      const m = /^(Rss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):\s+(\d+) kB/.exec(line)
      if (m) out[m[1]] = Math.round(Number(m[2]) / 1024 * 10) / 10
    }
  } catch {}
  return out
}

function sample () {
  const m = process.memoryUsage()
  const r = (n) => Math.round(n / MiB * 10) / 10
  return { rss: r(m.rss), heapTotal: r(m.heapTotal), heapUsed: r(m.heapUsed), external: r(m.external), arrayBuffers: r(m.arrayBuffers), ...smaps() }
}

setInterval(() => { process.stderr.write(`[mem-probe] ${JSON.stringify(sample())}\n`) }, EVERY_MS).unref()
