// The config file is the plain text an organiser edits on a laptop (the boot partition's p2p-portal.txt):
// `key = value` lines, `#` comments, blank lines. Keys are the command-line option names.

import { CONFIG_INVALID } from '../errors.js'

export function parseConfigText (text: string, source = 'config file'): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return
    const eq = trimmed.indexOf('=')
    if (eq === -1) throw CONFIG_INVALID(`${source} line ${i + 1}: "${trimmed}" is not "key = value".`)
    const key = trimmed.slice(0, eq).trim().toLowerCase().replace(/_/g, '-')
    let value = trimmed.slice(eq + 1).trim()
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1)
    // An empty value means "use the default", which is what a commented template line also means.
    if (value === '') return
    pairs.push([key, value])
  })
  return pairs
}
