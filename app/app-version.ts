// The running version, from the nearest package.json above this file (source tree or compiled dist/ alike).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

function find (): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json')
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'))
      if (pkg.name === 'p2p-portal') return String(pkg.version)
    }
    dir = path.dirname(dir)
  }
  return '0.0.0'
}

export const APP_VERSION = find()
