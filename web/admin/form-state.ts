// A form sent back with a mistake: the page is shown again with what was typed, and the error next to the
// field it is about (aria-describedby), so the organiser fixes one field instead of typing everything again.
import { html, type Html } from './html.js'

export interface FormState {
  /** Which form on the page (a page can hold many, such as one rename form per file). */
  form: string
  field: string
  error: string
  values: Record<string, string>
}

/** What was typed into `name` of `form`, or `fallback` when the page shows that form fresh. */
export function typed (f: FormState | undefined, form: string, name: string, fallback = ''): string {
  return f?.form === form ? f.values[name] ?? '' : fallback
}

export function isForm (f: FormState | undefined, form: string): boolean {
  return f?.form === form
}

function errorId (form: string, name: string): string {
  return `err-${form}-${name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)
}

/** Attributes for the field: marked invalid and described by its message when the error is about it. */
export function invalid (f: FormState | undefined, form: string, name: string): Html {
  return f?.form === form && f.field === name ? html` aria-invalid="true" aria-describedby="${errorId(form, name)}"` : html``
}

/** The error message, placed right after the field. */
export function fieldError (f: FormState | undefined, form: string, name: string): Html {
  return f?.form === form && f.field === name ? html`<span class="field-error" id="${errorId(form, name)}" role="alert">${f.error}</span>` : html``
}

/** The fields a form sent, as strings, never its token or a password. */
export function sentValues (body: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string' && k !== '_csrf' && !/password|current|confirm/.test(k)) out[k] = v
  }
  return out
}
