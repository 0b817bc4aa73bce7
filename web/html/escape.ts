// Everything shown on a page comes from peers (titles, file names, text): it is escaped at the one place it
// meets HTML.
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function esc (text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, c => MAP[c])
}

/** A drive path as a URL path, each segment encoded ("/a b/c#.txt" → "/a%20b/c%23.txt"). */
export function pathUrl (name: string): string {
  return name.split('/').map(encodeURIComponent).join('/')
}
