// `npm run bench -- [replication|memory|http|budget|region|region-lan|region-browse|update] [--runs N] [--quick]`:
// runs the benches (replication, memory and http by default). They need root (network namespaces, tc) and create
// and remove everything they use; region (part 1, a simulation) needs neither; region-lan is its part 2, on real
// nodes. See bench/README.md.
import os from 'node:os'
import { benchReplication } from './replication.js'
import { benchMemory } from './memory.js'
import { benchHttp } from './http.js'
import { benchRegion } from './region.js'
import { benchRegionLan } from './region-lan.js'
import { benchBudget } from './budget.js'
import { benchRegionBrowse } from './region-browse.js'
import { benchUpdate } from './update.js'

const USAGE = `Usage: npm run bench -- [replication|memory|http|budget|region|region-lan|region-browse|update]... [options]
  --runs N         repeat each measurement N times and show the median (default 3)
  --quick          small data sets, one run (checks that the benches work)
  --drives N       drives for bench/memory (default 100)
  --keep DIR       memory: seed and mirror into DIR and keep it; a DIR kept earlier is used again (no seeding)
  --data big|small replication: only the one large file, or only the small files (default both)
  --link unlimited|shaped  replication: only the unlimited link, or only the 100 Mbit/s one (default both)
  --node-arg ARG   extra Node/V8 flag for the measured node (repeatable), e.g. --node-arg=--max-semi-space-size=2
  --tight          region: disks total 3× the library with the publishers' own drives included
  --env KEY=VALUE  budget, replication: extra environment for the measured nodes (repeatable), e.g. --env MALLOC_ARENA_MAX=4
  --perf DIR       replication: \`perf record -g\` the mirror from connect to complete into DIR (adds --perf-basic-prof);
                   P2P_BENCH_PERF_ARGS replaces '-F 997 -g', e.g. '-e page-faults -c 16 --call-graph dwarf,8192'
  --limit MIB      budget: the cgroup's memory limit (default 256)
  --after S        budget: read RSS again S seconds after each workload (default 60)
  --only a,b       budget: some of big,small,upload,phones,idle (default all)
  --trace DIR      budget: write each node's memory readings (see --env P2P_MEM_PROBE_MS=100) to DIR
`

function parse (argv: string[]) {
  const names: string[] = []
  const opts = { runs: 3, quick: false, drives: 100, nodeArgs: [] as string[], data: ['big', 'small'], links: ['unlimited', 'shaped'], tight: false, env: {} as Record<string, string>, limit: 256, after: 60, only: ['big', 'small', 'upload', 'phones', 'idle'], trace: undefined as string | undefined, perf: undefined as string | undefined, keep: undefined as string | undefined }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') && !argv[i].startsWith('--node-arg=--')
      ? argv[i].split(/=(.*)/s, 2)
      : [argv[i], undefined]
    const value = () => inline ?? argv[++i]
    if (flag === 'replication' || flag === 'memory' || flag === 'http' || flag === 'region' || flag === 'region-lan' || flag === 'budget' || flag === 'region-browse' || flag === 'update') names.push(flag)
    else if (flag === '--tight') opts.tight = true
    else if (flag === '--env') { const [k, v] = value().split(/=(.*)/s, 2); opts.env[k] = v ?? '' }
    else if (flag === '--limit') opts.limit = Number(value())
    else if (flag === '--after') opts.after = Number(value())
    else if (flag === '--only') opts.only = value().split(',')
    else if (flag === '--trace') opts.trace = value()
    else if (flag === '--perf') opts.perf = value()
    else if (flag === '--keep') opts.keep = value()
    else if (flag === '--runs') opts.runs = Number(value())
    else if (flag === '--quick') opts.quick = true
    else if (flag === '--drives') opts.drives = Number(value())
    else if (flag === '--data') opts.data = [value()]
    else if (flag === '--link') opts.links = [value()]
    else if (flag.startsWith('--node-arg=')) opts.nodeArgs.push(flag.slice('--node-arg='.length))
    else if (flag === '--node-arg') opts.nodeArgs.push(argv[++i])
    else { process.stderr.write(USAGE); process.exit(flag === '--help' ? 0 : 2) }
  }
  if (!(opts.runs >= 1) || !(opts.drives >= 1)) { process.stderr.write(USAGE); process.exit(2) }
  return { names: names.length ? names : ['replication', 'memory', 'http'], opts }
}

const { names, opts } = parse(process.argv.slice(2))
// Say why the run ended: a silent exit leaves namespaces behind for the next run's sweep to find.
process.on('exit', (code) => { if (code !== 0) console.error(`bench exiting with code ${code}`) })
for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {
  console.error(`bench got ${signal}`)
  if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT')
  else process.exit(1)
})
if (names.some(name => name !== 'region' && name !== 'update') && process.getuid?.() !== 0) {
  console.error('The benches need root: they create network namespaces and shape links with tc.')
  process.exit(1)
}
console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}, Node ${process.version}, load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')} at start`)
for (const name of names) {
  if (name === 'replication') {
    await benchReplication({
      runs: opts.quick ? 1 : opts.runs,
      shapedMbit: 100,
      bigBytes: (opts.quick ? 32 : 256) * 1024 * 1024,
      smallFiles: opts.quick ? 500 : 5000,
      smallBytes: 10 * 1024,
      nodeArgs: opts.nodeArgs,
      data: opts.data,
      links: opts.links,
      env: opts.env,
      perf: opts.perf
    })
  } else if (name === 'region') {
    await benchRegion(opts.quick
      ? { nodes: 100, drives: 1000, copies: 2, tight: opts.tight, maxRounds: 6, fillRounds: 20 }
      : { nodes: 1000, drives: 10_000, copies: 2, tight: opts.tight, maxRounds: 6, fillRounds: 20 })
  } else if (name === 'region-lan') {
    await benchRegionLan({ publishers: 4, mirrors: 6, files: 3, cap: '7M', copies: 2, graceS: 5, quietS: opts.quick ? 10 : 30, timeoutS: opts.quick ? 120 : 240 })
  } else if (name === 'budget') {
    await benchBudget({
      limitBytes: opts.limit * 1024 * 1024,
      afterMs: (opts.quick ? Math.min(opts.after, 10) : opts.after) * 1000,
      bigBytes: (opts.quick ? 32 : 256) * 1024 * 1024,
      smallFiles: opts.quick ? 500 : 5000,
      uploadBytes: opts.quick ? 30_000_000 : 300_000_000,
      drives: opts.quick ? 10 : opts.drives,
      phonesSeconds: opts.quick ? 3 : 10,
      nodeArgs: opts.nodeArgs,
      env: opts.env,
      only: opts.only,
      traceDir: opts.trace
    })
  } else if (name === 'region-browse') {
    await benchRegionBrowse({ runs: opts.quick ? 1 : opts.runs, fileBytes: (opts.quick ? 16 : 64) * 1024 * 1024, nodeArgs: opts.nodeArgs })
  } else if (name === 'update') {
    // The image's app tree is ~30 MB in a few thousand files (image/README.md); --quick is a tenth of it.
    await benchUpdate(opts.quick ? { files: 300, meanBytes: 10_000, runs: 1 } : { files: 3000, meanBytes: 10_000, runs: opts.runs })
  } else if (name === 'http') {
    await benchHttp({ seconds: opts.quick ? 2 : 5, connections: [50, 200], nodeArgs: opts.nodeArgs })
  } else {
    await benchMemory({ drives: opts.quick ? 10 : opts.drives, runs: opts.quick ? 1 : opts.runs, nodeArgs: opts.nodeArgs, keep: opts.keep })
  }
}
