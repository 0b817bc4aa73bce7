// The Holepunch packages, loaded with require() rather than import. Node 20 runs its JavaScript CommonJS lexer
// over every CommonJS module an ES module imports (to find its named exports): over hypercore,
// hypercore-storage, corestore, hyperdrive and secret-stream (≈ 130 KB) that was ≈ 65 ms of every start here,
// several times that on a Pi Zero 2 W, before READY=1 (bench/README.md, "Start, third pass"). require() needs
// no lexing. The types are still types/holepunch.d.ts's.
import { createRequire } from 'node:module'
import type CorestoreClass from 'corestore'
import type HyperdriveClass from 'hyperdrive'
import type CoreStorageClass from 'hypercore-storage'
import type NoiseSecretStreamClass from '@hyperswarm/secret-stream'
import type HypercoreModule from 'hypercore'
import type compactEncoding from 'compact-encoding'
import { patchBlockWrites } from './hypercore-block-writes.js'

const require = createRequire(import.meta.url)

/**
 * sodium-native checks its arguments with Node's assert module, which no other part of a start asks for: Node 20
 * builds assert's module graph on that first require, ~25 ms of a start here before READY=1 (bench/README.md,
 * "Start, sixth pass"), several times that on a Pi Zero 2 W. Every one of its checks is `assert(value, message)`,
 * which nanoassert (what the rest of the Holepunch stack uses) does the same way, throwing an AssertionError with
 * that message. So while the stack loads, sodium-native's `require('assert')` gets nanoassert. Upstream,
 * sodium-native requiring nanoassert would replace this; a Node without Module._load loads it as it is.
 */
function requireStack<T> (id: string): T {
  const Module = require('node:module') as { _load?: (request: string, parent: { filename?: string } | null, isMain: boolean) => unknown }
  const load = Module._load
  if (typeof load !== 'function') return require(id) as T
  const nanoassert: unknown = require('nanoassert')
  Module._load = function (request, parent, isMain) {
    if (request === 'assert' && /[\\/]sodium-native[\\/]index\.js$/.test(parent?.filename ?? '')) return nanoassert
    return load.call(this, request, parent, isMain)
  }
  try {
    return require(id) as T
  } finally {
    Module._load = load
  }
}

export type Corestore = CorestoreClass
export const Corestore: typeof CorestoreClass = requireStack('corestore')
export type Hyperdrive = HyperdriveClass
export const Hyperdrive: typeof HyperdriveClass = require('hyperdrive')
export type CoreStorage = CoreStorageClass
export const CoreStorage: typeof CoreStorageClass = require('hypercore-storage')
export type NoiseSecretStream = NoiseSecretStreamClass
export const NoiseSecretStream: typeof NoiseSecretStreamClass = require('@hyperswarm/secret-stream')
export const Hypercore: typeof HypercoreModule = require('hypercore')
patchBlockWrites(require.resolve('hypercore'))
export const c: typeof compactEncoding = require('compact-encoding')
