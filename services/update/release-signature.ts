// A detached ed25519 signature of a release's manifest.json bytes, made with the release drive's own key pair.
// The drive's blocks are already signed by that key, but the root helper must not have to trust the node that
// faces phones to have checked them: with manifest.sig it checks the manifest itself, from bytes any process
// (or a USB stick) hands it, against nothing but the configured release key. The manifest's hashes then bind
// every file. The signature is over the raw manifest bytes; hypercore's own signatures are over fixed-size
// binary signables that begin with a 32-byte hash namespace, which JSON text (starting with "{") never is.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { Hypercore } from '../holepunch-modules.js'
import { decode as decodeKey } from 'hypercore-id-encoding'
import { UpdateError } from './update-error.js'
import { RELEASES_FOLDER } from './verify-release.js'

export const SIGNATURE_BYTES = 64
/** Next to manifest.json in the release drive. */
export const signaturePath = (version: string): string => `${RELEASES_FOLDER}/${version}/manifest.sig`
// DER prefixes of an ed25519 private key (PKCS#8, followed by the 32-byte seed) and public key (SPKI).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')

export interface SigningKeyPair { publicKey: Buffer, secretKey: Buffer }

/**
 * The drive key a core signed by this one public key gets: Hypercore 11 names a core by the hash of its manifest,
 * and Corestore makes `{ version: 1, signers: [{ publicKey }] }` (default signer namespace, quorum 1) for a core
 * opened with a key pair (hypercore/lib/verifier.js: createManifest, manifestHash).
 */
export function releaseKeyOf (publicKey: Buffer): Buffer {
  return Hypercore.key({ version: 1, signers: [{ publicKey }] })
}

function privateKey (secretKey: Buffer): KeyObject {
  // libsodium's secret key is seed || public key; the seed is what the DER form holds.
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' })
}

function publicKeyObject (publicKey: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' })
}

export function signManifest (manifestBytes: Buffer, keyPair: SigningKeyPair): Buffer {
  return sign(null, manifestBytes, privateKey(keyPair.secretKey))
}

function keyBuffer (key: Buffer | string): Buffer | null {
  try {
    const k = typeof key === 'string' ? decodeKey(key) : key
    return Buffer.isBuffer(k) && k.length === 32 ? k : null
  } catch {
    return null
  }
}

/**
 * Throws unless `sig` is the signer's signature of exactly these bytes AND the signer's public key is the one
 * the configured release drive is named after. Returns the signer's public key.
 */
export function verifyManifestSignature (manifestBytes: Buffer, sig: Buffer, signerPublicKey: Buffer, releaseKey: Buffer | string): Buffer {
  const expected = keyBuffer(releaseKey)
  if (expected === null) throw new UpdateError('RELEASE_WRONG_KEY', 'The configured release key is not a drive key: set it to the 52-character key the maintainer publishes.')
  if (!Buffer.isBuffer(signerPublicKey) || signerPublicKey.length !== 32 || !releaseKeyOf(signerPublicKey).equals(expected)) {
    throw new UpdateError('RELEASE_WRONG_KEY', 'This release is signed by a key that is not the configured release key, so it was not used.')
  }
  let ok = false
  try {
    ok = Buffer.isBuffer(sig) && sig.length === SIGNATURE_BYTES && verify(null, manifestBytes, publicKeyObject(signerPublicKey), sig)
  } catch {
    ok = false
  }
  if (!ok) throw new UpdateError('RELEASE_BAD_SIGNATURE', 'The release manifest does not match its signature (manifest.sig): it was changed after it was signed.')
  return signerPublicKey
}

/** The public key that signs a drive's core, from its Hypercore manifest (null for a core not named by one signer). */
export function driveSignerKey (core: { manifest?: { signers?: Array<{ publicKey: Buffer }> } | null }): Buffer | null {
  const signers = core.manifest?.signers
  return signers?.length === 1 ? signers[0].publicKey : null
}
