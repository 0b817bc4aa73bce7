// Which drives are websites (an index.html at the root), remembered per drive version.
import type { Library } from '../../services/storage/library.js'

export class SiteCheck {
  private readonly known = new Map<string, { version: number, site: boolean }>()

  constructor (private readonly library: Library) {}

  has = (key: string): boolean => this.known.get(key)?.site ?? false

  async refresh (): Promise<void> {
    await Promise.all(this.library.list().map(async (d) => {
      const k = this.known.get(d.id)
      if (k && k.version === d.version) return
      const entry = await d.localEntry('/index.html')
      this.known.set(d.id, { version: d.version, site: !!entry?.value?.blob })
    }))
    for (const key of this.known.keys()) if (!this.library.has(key)) this.known.delete(key)
  }
}
