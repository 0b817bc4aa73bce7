// `npm run bench -- update`: what an update costs on the node and in the root helper, for an app tree the size of the image's
// (`--quick`: a small one), against anchors measured in the same run on the same files:
//   node writes the spool bundle (streamed from a verified release)  vs  cp of the tree
//   helper verifies an offer (every file's SHA-256)                  vs  sha256sum of the tree
//   helper stages the release (hash, write, fsync each file)         vs  cp -r + sync of the tree
// The systemd restart and probation are the image test's; they are not here.
import fs from 'node:fs/promises'
import path from 'node:path'
import os from 'node:os'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { keyPair as seedKeyPair } from 'hypercore-crypto'
import { encode as encodeKey } from 'hypercore-id-encoding'
import { buildManifest } from '../services/update/build-manifest.js'
import { releaseKeyOf, signManifest } from '../services/update/release-signature.js'
import { bundleName, verifyReleaseBundle, writeReleaseBundle } from '../services/update/release-bundle.js'
import { ReleaseSpool } from '../services/update/release-spool.js'
import { ReleaseInstaller } from '../services/update/release-installer.js'
import { setLogLevel } from '../services/log.js'
import { mb, median, table } from './lib/report.js'

const run = promisify(execFile)

export interface UpdateBenchOptions { files: number, meanBytes: number, runs: number }

async function timed (fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** Files of node_modules-like sizes: most small, a few large, fixed total. */
async function makeTree (dir: string, files: number, meanBytes: number): Promise<number> {
  await fs.mkdir(dir, { recursive: true })
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'p2p-portal', version: '2.0.0' }))
  let total = 0
  for (let i = 0; i < files; i++) {
    const size = i % 50 === 0 ? meanBytes * 20 : Math.max(64, Math.round(meanBytes * 0.6 * (0.5 + (i * 7919 % 100) / 100)))
    const file = path.join(dir, i === 0 ? 'bin/p2p-portal.js' : `node_modules/pkg-${i % 97}/lib/f${i}.js`)
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, randomBytes(size), { mode: i === 0 ? 0o755 : 0o644 })
    total += size
  }
  return total
}

export async function benchUpdate (opts: UpdateBenchOptions): Promise<void> {
  setLogLevel('error')
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-update-'))
  try {
    const tree = path.join(work, 'tree')
    const bytes = await makeTree(tree, opts.files, opts.meanBytes)
    const kp = seedKeyPair(Buffer.alloc(32, 9))
    const releaseKey = encodeKey(releaseKeyOf(kp.publicKey))
    const { manifest } = await buildManifest(tree, { version: '2.0.0', minVersion: '0.0.0' })
    const manifestBytes = Buffer.from(JSON.stringify(manifest))
    const source = path.join(work, bundleName('2.0.0'))
    await writeReleaseBundle(source, { manifest, manifestBytes, signature: signManifest(manifestBytes, kp), signerPublicKey: kp.publicKey, appDir: tree })
    const bundleBytes = (await fs.stat(source)).size

    const rows: Record<string, number[]> = { spool: [], cp: [], verify: [], sha256sum: [], stage: [], cpSync: [] }
    const list = (await run('find', [tree, '-type', 'f'], { maxBuffer: 64 << 20 })).stdout.trim().split('\n')
    for (let r = 0; r < opts.runs; r++) {
      const round = path.join(work, `r${r}`)
      await fs.mkdir(round)
      const release = await verifyReleaseBundle(source, { releaseKey, runningVersion: '1.0.0' })
      const spool = new ReleaseSpool(path.join(round, 'updates'))
      rows.spool.push(await timed(() => spool.write(release)))
      rows.cp.push(await timed(() => run('cp', ['-r', tree, path.join(round, 'cp')])))
      const offered = path.join(round, 'updates', bundleName('2.0.0'))
      rows.verify.push(await timed(() => verifyReleaseBundle(offered, { releaseKey, runningVersion: '1.0.0' })))
      rows.sha256sum.push(await timed(async () => {
        for (let i = 0; i < list.length; i += 500) await run('sha256sum', list.slice(i, i + 500), { maxBuffer: 64 << 20 })
      }))
      const root = path.join(round, 'root')
      await fs.mkdir(path.join(root, 'releases', '1.0.0'), { recursive: true })
      await fs.symlink('releases/1.0.0', path.join(root, 'current'))
      const installer = new ReleaseInstaller({ root, probationMs: 0, services: { restart: async () => { /* no unit in a bench */ }, isActive: async () => true, waitReady: async () => true } })
      await installer.recover()
      const fresh = await verifyReleaseBundle(offered, { releaseKey, runningVersion: '1.0.0' })
      rows.stage.push(await timed(async () => {
        const res = await installer.install(fresh)
        if (res.outcome !== 'installed') throw new Error(`bench install: ${JSON.stringify(res)}`)
      }))
      rows.cpSync.push(await timed(async () => { await run('cp', ['-r', tree, path.join(round, 'cp2')]); await run('sync', ['-f', path.join(round, 'cp2')]) }))
      await fs.rm(round, { recursive: true, force: true })
    }
    const m = (k: string) => median(rows[k])
    const ms = (v: number) => `${Math.round(v)} ms`
    console.log(`\nupdate: a tree of ${opts.files} files, ${mb(bytes)} (bundle ${mb(bundleBytes)}), median of ${opts.runs} runs`)
    console.log(table(['step', 'time', 'anchor', 'anchor time', 'ratio'], [
      ['node: write the spool bundle', ms(m('spool')), 'cp -r', ms(m('cp')), (m('spool') / m('cp')).toFixed(2)],
      ['helper: verify the offer', ms(m('verify')), 'sha256sum', ms(m('sha256sum')), (m('verify') / m('sha256sum')).toFixed(2)],
      ['helper: stage + switch', ms(m('stage')), 'cp -r + sync', ms(m('cpSync')), (m('stage') / m('cpSync')).toFixed(2)]
    ]))
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
}
