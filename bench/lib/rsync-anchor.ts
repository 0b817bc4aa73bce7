// The rsync anchor: `rsync --daemon` in the publisher's namespace serving the folder read-only, and a client in
// the mirror's namespace copying it into an empty folder, as an organiser would copy a folder between two boxes.
import fs from 'node:fs'
import path from 'node:path'
import { once } from 'node:events'
import type { ChildProcess } from 'node:child_process'
import type { LanNode } from '../../test/helpers/netns.js'

const PORT = 8730

export interface CopyResult { ms: number, cpuMs: number, peakRssBytes: number }

export class RsyncDaemon {
  private proc: ChildProcess | null = null

  constructor (private readonly node: LanNode, private readonly folder: string, private readonly workDir: string) {}

  get url (): string { return `rsync://${this.node.ip}:${PORT}/data/` }

  async open (): Promise<void> {
    const conf = path.join(this.workDir, 'rsyncd.conf')
    fs.writeFileSync(conf, [
      'use chroot = no',
      // No resolver in the namespaces: a reverse lookup of the client fails and rsyncd drops it.
      'reverse lookup = no',
      'uid = root',
      'gid = root',
      `log file = ${path.join(this.workDir, 'rsyncd.log')}`,
      '[data]',
      `path = ${this.folder}`,
      'read only = yes',
      ''
    ].join('\n'))
    // stdin must not be a socket (Node's pipes are socketpairs): rsyncd would think inetd started it.
    this.proc = this.node.spawn('rsync', ['--daemon', '--no-detach', `--config=${conf}`, `--port=${PORT}`, `--address=${this.node.ip}`],
      { stdio: ['ignore', 'ignore', 'ignore'] })
    // Ready once the port answers.
    for (let i = 0; i < 100; i++) {
      const r = await this.node.exec('rsync', [`rsync://${this.node.ip}:${PORT}/`], { timeout: 2000 })
      if (r.code === 0) return
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    throw new Error('rsync daemon did not start')
  }

  async close (): Promise<void> {
    const proc = this.proc
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = once(proc, 'exit')
    try { process.kill(-proc.pid!, 'SIGTERM') } catch { /* already gone */ }
    await exited
  }
}

/** Copies the daemon's module into `dest` (which must not exist yet) from `client`'s namespace. */
export async function rsyncCopy (client: LanNode, daemon: RsyncDaemon, dest: string): Promise<CopyResult> {
  const started = performance.now()
  const r = await client.exec('/usr/bin/time', ['-v', 'rsync', '-a', daemon.url, dest + '/'], { timeout: 600_000 })
  const ms = performance.now() - started
  if (r.code !== 0) throw new Error(`rsync failed: ${r.stderr}`)
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN)
  return {
    ms,
    cpuMs: (field('User time \\(seconds\\)') + field('System time \\(seconds\\)')) * 1000,
    peakRssBytes: field('Maximum resident set size \\(kbytes\\)') * 1024
  }
}
