// The organiser's language on /admin: the same `lang` cookie the visitor pages' switcher sets, then
// Accept-Language, then English.
import type { IncomingMessage } from 'node:http'
import { cookieLang, fromAcceptLanguage } from './language.js'
import { RTL, type Lang } from './strings.js'
import { ADMIN_STRINGS, type AdminKey } from './admin-strings.js'

export interface AdminTranslator {
  lang: Lang
  dir: 'ltr' | 'rtl'
  t (key: AdminKey, vars?: Record<string, string | number>): string
}

export function adminTranslator (lang: Lang): AdminTranslator {
  const strings = ADMIN_STRINGS[lang]
  return {
    lang,
    dir: RTL.has(lang) ? 'rtl' : 'ltr',
    t: (key, vars) => strings[key].replace(/\{(\w+)\}/g, (m, name: string) => vars && name in vars ? String(vars[name]) : m)
  }
}

export function pickAdminLanguage (req: IncomingMessage): AdminTranslator {
  return adminTranslator(cookieLang(req.headers.cookie) ?? fromAcceptLanguage(req.headers['accept-language'] as string | undefined) ?? 'en')
}
