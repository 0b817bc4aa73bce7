// Which language a visitor reads: the switcher's cookie first, then the browser's Accept-Language.
import type { IncomingMessage } from 'node:http'
import { LANGUAGES, RTL, STRINGS, type Key, type Lang } from './strings.js'

export const LANG_COOKIE = 'lang'

/** Words of one table (the visitor's or the organiser's) in one language, `{name}` placeholders filled. */
export interface TranslatorOf<K extends string> {
  lang: Lang
  dir: 'ltr' | 'rtl'
  t (key: K, vars?: Record<string, string | number>): string
}
export type Translator = TranslatorOf<Key>

export function translatorOf<K extends string> (table: Record<Lang, Record<K, string>>, lang: Lang): TranslatorOf<K> {
  const strings = table[lang]
  return {
    lang,
    dir: RTL.has(lang) ? 'rtl' : 'ltr',
    t: (key, vars) => strings[key].replace(/\{(\w+)\}/g, (m, name: string) => vars && name in vars ? String(vars[name]) : m)
  }
}

/** What a request's language is read from: node:http's request, or the front door's hot one. */
export interface LangSource { headers: IncomingMessage['headers'] | Record<string, string | undefined> }

/** The language a request asks for: the switcher's cookie, then Accept-Language, then English. */
export function requestLang (req: LangSource): Lang {
  const h = req.headers as Record<string, string | undefined>
  return cookieLang(h.cookie) ?? fromAcceptLanguage(h['accept-language']) ?? 'en'
}

export function isLang (v: unknown): v is Lang {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v)
}

/** "fr-CA,fr;q=0.9,en;q=0.8" → the best supported language, or null. */
export function fromAcceptLanguage (header: string | undefined): Lang | null {
  if (!header) return null
  const wanted = header.slice(0, 500).split(',').map((part, i) => {
    const [tag, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map(p => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean)
    return { base: tag.split('-')[0], q: q ? Number(q[1]) : 1, i }
  }).filter(w => w.q > 0 && isLang(w.base))
  wanted.sort((a, b) => b.q - a.q || a.i - b.i)
  return (wanted[0]?.base as Lang | undefined) ?? null
}

export function cookieLang (header: string | undefined): Lang | null {
  const m = /(?:^|;\s*)lang=([a-z]{2})(?:;|$)/.exec(header ?? '')
  return m && isLang(m[1]) ? m[1] : null
}

export function translator (lang: Lang): Translator {
  return translatorOf(STRINGS, lang)
}

export function pickLanguage (req: IncomingMessage): Translator {
  return translator(requestLang(req))
}
