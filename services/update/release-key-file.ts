// The maintainer's release key file: the seed of the key pair that writes and signs the release drive. It is the
// secret that makes a release installable on every node, so it lives in its own 0600 file, made once and never
// rewritten; the data folder's copy (the core's header) is a cache of it, not the original.
import fs from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { keyPair as seedKeyPair } from 'hypercore-crypto'
import { encode as encodeKey } from 'hypercore-id-encoding'
import { releaseKeyOf, type SigningKeyPair } from './release-signature.js'

export interface ReleaseKeys {
  keyPair: SigningKeyPair
  /** The release drive's key, z-base-32: what nodes are given as --release-key. */
  releaseKey: string
  created: boolean
}

const SEED_RE = /^[0-9a-f]{64}$/

export async function loadOrCreateKeyFile (file: string): Promise<ReleaseKeys> {
  let text: string | null = null
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  let created = false
  let seed: Buffer
  if (text === null) {
    seed = randomBytes(32)
    const keyPair = seedKeyPair(seed)
    const body = JSON.stringify({ seed: seed.toString('hex'), releaseKey: encodeKey(releaseKeyOf(keyPair.publicKey)) }, null, 2) + '\n'
    // 'wx': two runs racing must not both make a key, one of which would then be lost.
    const handle = await fs.open(file, 'wx', 0o600)
    try {
      await handle.writeFile(body)
      await handle.sync()
    } finally {
      await handle.close()
    }
    created = true
  } else {
    let parsed: { seed?: unknown }
    try { parsed = JSON.parse(text) } catch { parsed = {} }
    if (typeof parsed.seed !== 'string' || !SEED_RE.test(parsed.seed)) throw new Error(`${file} is not a p2p-portal release key file (no "seed" of 64 hex digits).`)
    const st = await fs.stat(file)
    if ((st.mode & 0o077) !== 0) throw new Error(`${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it; anyone with it can publish updates.`)
    seed = Buffer.from(parsed.seed, 'hex')
  }
  const keyPair = seedKeyPair(seed)
  return { keyPair, releaseKey: encodeKey(releaseKeyOf(keyPair.publicKey)), created }
}
