// The organiser's language on /admin: the same `lang` cookie the visitor pages' switcher sets, then
// Accept-Language, then English.
import { requestLang, translatorOf, type LangSource, type TranslatorOf } from './language.js'
import type { Lang } from './strings.js'
import { ADMIN_STRINGS, type AdminKey } from './admin-strings.js'

export type AdminTranslator = TranslatorOf<AdminKey>

export function adminTranslator (lang: Lang): AdminTranslator {
  return translatorOf(ADMIN_STRINGS, lang)
}

export function pickAdminLanguage (req: LangSource): AdminTranslator {
  return adminTranslator(requestLang(req))
}
