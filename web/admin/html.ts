// HTML built from template strings: every interpolated value is escaped unless it is already markup (Html).
// Drive titles, file names and SSIDs come from strangers; escaping by default is the only safe default.

import { esc } from '../html/escape.js'

export class Html {
  constructor (readonly text: string) {}
  toString (): string { return this.text }
}

export function raw (text: string): Html { return new Html(text) }

export { esc }

function render (value: unknown): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return esc(value)
}

export function html (strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]
  return new Html(out)
}
