// bench/http: the same 20 KB and 10 MB files served by the portal from a drive and by nginx from disk, with wrk
// at 50 and 200 connections, in the same run, on loopback inside a namespace of our own.
// Prints requests/s, MB/s, p50/p99 latency and the node's peak RSS, with the portal's ratio to nginx.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { createLan } from '../test/helpers/netns.js'
import { BenchNode, ROOT, SHIPPED_FLAGS } from './lib/bench-node.js'
import { procStats } from './lib/proc-stats.js'
import { table, mb } from './lib/report.js'

export interface HttpBenchOptions { seconds: number, connections: number[], nodeArgs: string[] }

interface WrkResult { rps: number, mbps: number, p50: number, p99: number, errors: number }

function parseWrk (out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN)
  const ms = (re: RegExp) => {
    const m = re.exec(out)
    if (!m) return NaN
    const v = Number(m[1])
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v
  }
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]B)/.exec(out)
  const scale: Record<string, number> = { KB: 1 / 1024, MB: 1, GB: 1024 }
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/)
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    mbps: transfer ? Number(transfer[1]) * scale[transfer[2]] : NaN,
    p50: ms(/50%\s+([\d.]+)(us|ms|s)/),
    p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
    errors: (errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0) + (Number.isNaN(non2xx) ? 0 : non2xx)
  }
}

export async function benchHttp (opts: HttpBenchOptions): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-bench-http-'))
  const lan = await createLan({ nodes: 1 })
  const ns = lan.nodes[0]
  const children: ChildProcess[] = []
  try {
    const folder = path.join(work, 'media')
    fs.mkdirSync(folder)
    fs.writeFileSync(path.join(folder, 'small.jpg'), crypto.randomBytes(20 * 1024))
    fs.writeFileSync(path.join(folder, 'big.mp4'), crypto.randomBytes(10 * 1024 * 1024))

    const node = new BenchNode(ns, { data: path.join(work, 'data'), port: 8080, args: ['--share', folder], nodeArgs: opts.nodeArgs })
    node.start()
    await node.line(/ready in \d+ ms/)
    const status = JSON.parse((await ns.exec('curl', ['-s', 'http://127.0.0.1:8080/api/status'])).stdout)
    const key = status.drives[0].key

    // nginx as the anchor: what the same machine serves straight from disk with a tuned C server.
    const nginxConf = (workers: string, port: number) => `user root;
worker_processes ${workers};
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${work}/tmp; proxy_temp_path ${work}/tmp; fastcgi_temp_path ${work}/tmp; uwsgi_temp_path ${work}/tmp; scgi_temp_path ${work}/tmp;
  types { image/jpeg jpg; video/mp4 mp4; }
  server { listen 127.0.0.1:${port}; root ${folder}; }
}
`
    fs.mkdirSync(path.join(work, 'tmp'))
    for (const [workers, port] of [['1', 8090], ['auto', 8091]] as const) {
      const conf = path.join(work, `nginx-${workers}.conf`)
      fs.writeFileSync(conf, nginxConf(workers, port).replace(`pid ${work}/nginx.pid`, `pid ${work}/nginx-${workers}.pid`))
      children.push(ns.spawn('nginx', ['-c', conf]))
    }
    // Node's own ceiling: node:http answering from memory, with the flags the portal runs with.
    const bare = ns.spawn(process.execPath, [...SHIPPED_FLAGS, '--import', 'tsx', path.join(ROOT, 'bench/lib/bare-http-server.ts'), '8092', folder])
    children.push(bare)
    await new Promise(r => setTimeout(r, 1500))

    const targets = {
      portal: { small: `http://127.0.0.1:8080/d/${key}/small.jpg`, big: `http://127.0.0.1:8080/d/${key}/big.mp4` },
      nginx: { small: 'http://127.0.0.1:8090/small.jpg', big: 'http://127.0.0.1:8090/big.mp4' },
      nginxAll: { small: 'http://127.0.0.1:8091/small.jpg', big: 'http://127.0.0.1:8091/big.mp4' },
      bare: { small: 'http://127.0.0.1:8092/small.jpg', big: 'http://127.0.0.1:8092/big.mp4' }
    }
    for (const t of [targets.portal.small, targets.nginx.small, targets.nginxAll.small, targets.bare.small]) {
      const r = await ns.exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', t])
      if (!r.stdout.startsWith('200 20480')) throw new Error(`${t} answered ${r.stdout} ${r.stderr}: ${fs.existsSync(path.join(work, 'nginx-error.log')) ? fs.readFileSync(path.join(work, 'nginx-error.log'), 'utf8') : ''}`)
    }
    const wrk = async (url: string, c: number) => {
      const r = await ns.exec('wrk', ['-t2', `-c${c}`, `-d${opts.seconds}s`, '--timeout', '10s', '--latency', url], { timeout: (opts.seconds + 30) * 1000 })
      return parseWrk(r.stdout)
    }
    const rows: string[][] = []
    for (const size of ['small', 'big'] as const) {
      for (const c of opts.connections) {
        await wrk(targets.portal[size], c) // warm caches and JIT the same way for both
        const p = await wrk(targets.portal[size], c)
        await wrk(targets.nginx[size], c)
        const n = await wrk(targets.nginx[size], c)
        const all = await wrk(targets.nginxAll[size], c)
        await wrk(targets.bare[size], c)
        const b = await wrk(targets.bare[size], c)
        rows.push([
          size === 'small' ? '20 KB' : '10 MB', String(c),
          p.rps.toFixed(0), n.rps.toFixed(0), (p.rps / n.rps).toFixed(2) + '×', all.rps.toFixed(0), (p.rps / all.rps).toFixed(2) + '×',
          p.mbps.toFixed(0), n.mbps.toFixed(0),
          `${p.p50.toFixed(1)}/${p.p99.toFixed(1)}`, `${n.p50.toFixed(1)}/${n.p99.toFixed(1)}`,
          b.rps.toFixed(0), (b.rps / n.rps).toFixed(2) + '×', `${b.p50.toFixed(1)}/${b.p99.toFixed(1)}`,
          String(p.errors)
        ])
      }
    }
    const peak = procStats(node.pid).peakRssBytes
    console.log('\nbench/http — portal (drive, one Node process) vs nginx (disk) with 1 worker and with one per core;')
    console.log('wrk -t2 on loopback in one namespace, wrk and the server sharing the machine\'s cores')
    console.log(table(['file', 'conns', 'portal req/s', 'nginx×1 req/s', 'ratio', 'nginx×N req/s', 'ratio', 'portal MB/s', 'nginx×1 MB/s', 'portal p50/p99 ms', 'nginx×1 p50/p99 ms', 'bare Node req/s', 'bare/nginx×1', 'bare Node p50/p99 ms', 'portal errors'], rows))
    console.log(`portal peak RSS: ${mb(peak)} (target ≤ 150 MB)`)
    await node.stop()
  } finally {
    for (const c of children) { try { process.kill(-c.pid!, 'SIGKILL') } catch { /* already gone */ } }
    await lan.destroy()
    fs.rmSync(work, { recursive: true, force: true })
  }
}
