// Loads `node-wifi` without its one process-wide side effect.
//
// node-wifi's src/env.js is `Object.assign(process.env, { LANG, LC_ALL, LC_MESSAGES: 'en_US.UTF-8' })`: loading
// it changes the locale of this whole process and of every child it starts later, and hands that same object
// to each nmcli it runs. Before node-wifi loads, we put our own module in that file's place in require's
// cache: a read-through view of process.env (so PATH and the rest stay current) in which only nmcli's
// locale differs, pinned to C.UTF-8 — untranslated output for node-wifi's parsers, UTF-8 SSIDs intact, and
// present on every Debian system, which en_US.UTF-8 is not.
//
// We also take node-wifi's Linux functions rather than its `init()`: init keeps the interface in one
// configuration per process, and cannot set it back to "any device" once it holds one. Each Linux function
// is a factory over a configuration object, so every adapter gets functions bound to its own.
import { createRequire, Module } from 'node:module'
import type { WiFiNetwork } from 'node-wifi'

export type { WiFiNetwork }

/** node-wifi's Linux functions, bound to one interface (null: any Wi-Fi device). */
export interface NodeWifi {
  scan (): Promise<WiFiNetwork[]>
  getCurrentConnections (): Promise<WiFiNetwork[]>
}

const require = createRequire(import.meta.url)

/** The locale nmcli runs in, for node-wifi's calls and ours alike. */
export const NMCLI_LOCALE: Readonly<Record<string, string>> = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', LC_MESSAGES: 'C.UTF-8' }

type Factory = (config: { debug: boolean, iface: string | null }) => () => Promise<WiFiNetwork[]>

/** node-wifi's Linux scan and current-connection functions for `iface`, node-wifi loaded as described above. */
export function nodeWifi (iface: string | null): NodeWifi {
  standInForEnv()
  const config = { debug: false, iface }
  return {
    scan: (require('node-wifi/src/linux-scan.js') as Factory)(config),
    getCurrentConnections: (require('node-wifi/src/linux-current-connections.js') as Factory)(config)
  }
}

function standInForEnv (): void {
  const envFile = require.resolve('node-wifi/src/env.js')
  if (require.cache[envFile] !== undefined) return
  const stand = new Module(envFile)
  stand.filename = envFile
  stand.loaded = true
  stand.exports = nmcliEnv()
  require.cache[envFile] = stand
}

/** process.env as nmcli should see it: every variable read live, the locale ones replaced. */
function nmcliEnv (): NodeJS.ProcessEnv {
  const pinned = (key: string | symbol): key is string => typeof key === 'string' && Object.hasOwn(NMCLI_LOCALE, key)
  return new Proxy(process.env, {
    get: (env, key) => pinned(key) ? NMCLI_LOCALE[key] : Reflect.get(env, key),
    has: (env, key) => pinned(key) || Reflect.has(env, key),
    ownKeys: (env) => [...new Set([...Reflect.ownKeys(env), ...Object.keys(NMCLI_LOCALE)])],
    getOwnPropertyDescriptor: (env, key) => pinned(key)
      ? { value: NMCLI_LOCALE[key], writable: false, enumerable: true, configurable: true }
      : Reflect.getOwnPropertyDescriptor(env, key),
    // Nothing may change the real environment through this view.
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false
  })
}
