import { describe, it, expect, afterEach } from 'vitest'
import fs from 'node:fs/promises'
import path from 'node:path'
import { keyPair as seedKeyPair } from 'hypercore-crypto'
import { encode as encodeKey } from 'hypercore-id-encoding'
import { UpdateControl } from '../../services/update/update-control.js'
import { ReleaseSpool } from '../../services/update/release-spool.js'
import { verifyReleaseBundle, type SignedRelease } from '../../services/update/release-bundle.js'
import { releaseKeyOf } from '../../services/update/release-signature.js'
import { UpdateError } from '../../services/update/update-error.js'
import type { UpdaterStatus } from '../../services/update/parse-updater-request.js'
import { setLogLevel } from '../../services/log.js'
import { tempDir, removeTempDirs } from '../helpers/temp-dir.js'
import { appTree, signedBundle } from './update-fixtures.js'

setLogLevel('silent')
afterEach(removeTempDirs)

const kp = seedKeyPair(Buffer.alloc(32, 1))
const releaseKey = encodeKey(releaseKeyOf(kp.publicKey))

async function release (version: string): Promise<SignedRelease> {
  const file = await signedBundle(await tempDir('bundle-'), version, appTree(version), kp)
  return verifyReleaseBundle(file, { releaseKey, runningVersion: '0.1.0' })
}

const idle = (over: Partial<UpdaterStatus> = {}): UpdaterStatus => ({ current: '0.1.0', previous: null, offered: null, step: null, bad: {}, history: [], ...over })

/** The helper as the client sees it: down until `up` is set. */
class FakeClient {
  path = '/run/fake.sock'
  up = false
  offers: string[] = []
  state = idle()
  async status (): Promise<UpdaterStatus> {
    if (!this.up) throw new UpdateError('UPDATER_UNAVAILABLE', 'not listening')
    return this.state
  }

  async offer (file: string): Promise<UpdaterStatus> {
    if (!this.up) throw new UpdateError('UPDATER_UNAVAILABLE', 'not listening')
    this.offers.push(file)
    return this.state
  }

  async install (): Promise<string> { return '' }
  async goBack (): Promise<string> { return '' }
}

describe('the spool the node writes for the helper', () => {
  it('writes a bundle the helper\'s own check accepts, byte for byte from the release, and keeps the two newest', async () => {
    const spool = new ReleaseSpool(path.join(await tempDir('spool-'), 'updates'))
    const written = []
    for (const v of ['1.0.0', '1.2.0', '1.1.0']) written.push(await spool.write(await release(v)))
    expect((await spool.list()).map(b => b.version)).toEqual(['1.2.0', '1.1.0'])
    const again = await verifyReleaseBundle(written[2], { releaseKey, runningVersion: '0.1.0' })
    expect(again.version).toBe('1.1.0')
    expect((await fs.readdir(spool.dir)).filter(n => n.includes('partial'))).toEqual([])
  })
})

describe('the node\'s hand-off to the helper', () => {
  it('keeps a bundle written while the helper is down, and offers it as soon as the helper answers', async () => {
    const client = new FakeClient()
    const spool = new ReleaseSpool(path.join(await tempDir('spool-'), 'updates'))
    const control = new UpdateControl({ client, spool, pollMs: 3_600_000 })
    await control.open()
    expect(control.helper).toBeNull()
    expect(control.helperError).toMatch(/not listening/)
    await control.offer(await release('1.1.0'))
    expect(client.offers).toEqual([])
    client.up = true
    await control.refresh()
    expect(client.offers).toEqual([path.join(spool.dir, 'p2p-portal-release-1.1.0.tar')])
    await control.refresh()
    expect(client.offers).toHaveLength(1)
    await control.close()
  })

  it('does not write again a version the helper rolled back (marked bad)', async () => {
    const client = new FakeClient()
    client.up = true
    client.state = idle({ bad: { '1.1.0': '1.1.0 did not report ready within 180 s' } })
    const spool = new ReleaseSpool(path.join(await tempDir('spool-'), 'updates'))
    const control = new UpdateControl({ client, spool, pollMs: 3_600_000 })
    await control.open()
    await control.offer(await release('1.1.0'))
    expect(client.offers).toEqual([])
    expect(await spool.list()).toEqual([])
    await control.close()
  })
})

describe('the offer, while the helper hashes the release', () => {
  /** A helper whose answer to an offer comes only when the test says: it is hashing the whole release meanwhile. */
  class HashingClient extends FakeClient {
    answer: (() => void) | null = null
    override async offer (file: string): Promise<UpdaterStatus> {
      this.offers.push(file)
      await new Promise<void>(resolve => { this.answer = resolve })
      this.state = idle({ offered: { version: path.basename(file).slice('p2p-portal-release-'.length, -'.tar'.length), minVersion: '0.1.0', notes: '', size: 1, at: new Date().toISOString(), held: false } })
      return this.state
    }
  }

  it('is made once: the status polls meanwhile do not offer the same bundle again', async () => {
    const client = new HashingClient()
    client.up = true
    const control = new UpdateControl({ client, spool: new ReleaseSpool(await tempDir('spool-')), pollMs: 5 })
    await control.open()
    const offered = control.offer(await release('1.1.0'))
    await until(() => client.offers.length === 1)
    for (let i = 0; i < 5; i++) await control.refresh()
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(client.offers).toHaveLength(1)
    client.answer!()
    await offered
    expect(control.helper?.offered?.version).toBe('1.1.0')
    await control.refresh()
    expect(client.offers).toHaveLength(1)
    await control.close()
  })

  it('offers a newer release spooled during the wait once the first answer is in', async () => {
    const client = new HashingClient()
    client.up = true
    const control = new UpdateControl({ client, spool: new ReleaseSpool(await tempDir('spool-')), pollMs: 3_600_000 })
    await control.open()
    const first = control.offer(await release('1.1.0'))
    await until(() => client.offers.length === 1)
    const second = control.offer(await release('1.2.0'))
    client.answer!()
    await until(() => client.offers.length === 2)
    expect(client.offers.map(f => path.basename(f))).toEqual(['p2p-portal-release-1.1.0.tar', 'p2p-portal-release-1.2.0.tar'])
    client.answer!()
    await Promise.all([first, second])
    expect(control.helper?.offered?.version).toBe('1.2.0')
    await control.close()
  })

  it('is not made again, nor the bundle rewritten, when this node restarts and the helper already holds that release', async () => {
    const client = new FakeClient()
    client.up = true
    const spool = new ReleaseSpool(await tempDir('spool-'))
    const r = await release('1.1.0')
    const file = await spool.write(r)
    const written = (await fs.stat(file)).mtimeMs
    client.state = idle({ offered: { version: '1.1.0', minVersion: '0.1.0', notes: '', size: 1, at: new Date().toISOString(), held: false } })
    const control = new UpdateControl({ client, spool, pollMs: 3_600_000 })
    await control.open()
    await new Promise(resolve => setTimeout(resolve, 5))
    await control.offer(r)
    expect(client.offers).toEqual([])
    expect((await fs.stat(file)).mtimeMs).toBe(written)
    // Gone from the spool (a full card cleared by hand): written and offered again.
    await fs.rm(file)
    await control.offer(r)
    expect(client.offers).toEqual([file])
    await control.close()
  })
})

async function until (ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise(resolve => setTimeout(resolve, 2))
}

describe('Install now, when the helper answers later than the node waits', () => {
  /** A helper still getting past its checks when the node's wait for the reply ends. */
  class SlowClient extends FakeClient {
    override async install (): Promise<string> {
      throw new UpdateError('UPDATER_UNAVAILABLE', 'p2p-portal-updater did not answer within 120 s.')
    }
  }
  const installing = (version: string, phase: 'checking' | 'staging') => idle({ step: { action: 'install', version, phase, since: new Date().toISOString() } })

  it('is a start when the helper says it is installing that release, in its checks or staging', async () => {
    for (const phase of ['checking', 'staging'] as const) {
      const client = new SlowClient()
      client.up = true
      client.state = installing('1.1.0', phase)
      const control = new UpdateControl({ client, spool: new ReleaseSpool(await tempDir('spool-')), pollMs: 3_600_000 })
      await control.open()
      await expect(control.install('1.1.0')).resolves.toBe('1.1.0')
      await expect(control.install()).resolves.toBe('1.1.0')
      await control.close()
    }
  })

  it('is still the helper\'s unavailability when it is not installing, or installing another release', async () => {
    for (const state of [idle(), installing('1.2.0', 'staging'), idle({ step: { action: 'go-back', version: '1.1.0', phase: 'staging', since: new Date().toISOString() } })]) {
      const client = new SlowClient()
      client.up = true
      client.state = state
      const control = new UpdateControl({ client, spool: new ReleaseSpool(await tempDir('spool-')), pollMs: 3_600_000 })
      await control.open()
      await expect(control.install('1.1.0')).rejects.toMatchObject({ code: 'UPDATER_UNAVAILABLE' })
      await control.close()
    }
  })
})
