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

export type Corestore = CorestoreClass
export const Corestore: typeof CorestoreClass = require('corestore')
export type Hyperdrive = HyperdriveClass
export const Hyperdrive: typeof HyperdriveClass = require('hyperdrive')
export type CoreStorage = CoreStorageClass
export const CoreStorage: typeof CoreStorageClass = require('hypercore-storage')
export type NoiseSecretStream = NoiseSecretStreamClass
export const NoiseSecretStream: typeof NoiseSecretStreamClass = require('@hyperswarm/secret-stream')
export const Hypercore: typeof HypercoreModule = require('hypercore')
patchBlockWrites(require.resolve('hypercore'))
export const c: typeof compactEncoding = require('compact-encoding')
