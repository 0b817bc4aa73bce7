// The names and addresses that mean "the portal itself": anything else reaching the node in captive mode is
// a phone's request for some other site, answered by the DNS hijack.
import os from 'node:os'
import type { Config } from '../../services/config/config.js'

const REFRESH_MS = 10_000

export function slug (name: string): string {
  return name.toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
}

export class OwnHosts {
  private ips = new Set<string>()
  private readAt = 0

  constructor (private readonly config: Config, private readonly nodeKey: () => string = () => '',
    private readonly interfaces: () => NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces) {}

  has (host: string): boolean {
    if (!host || host === 'localhost') return true
    const { config } = this
    if (config.portalHost && host === config.portalHost.toLowerCase()) return true
    if (host === `${slug(config.name)}.local`) return true
    const key = this.nodeKey()
    if (key && host === `p2p-${key.slice(0, 8)}.local`) return true
    return this.addresses().has(host)
  }

  private addresses (): Set<string> {
    // Addresses change (DHCP, a hotspot coming up): reread them now and then, not on every request.
    if (Date.now() - this.readAt > REFRESH_MS) {
      const ips = new Set<string>()
      for (const list of Object.values(this.interfaces())) for (const a of list ?? []) ips.add(a.address.toLowerCase())
      this.ips = ips
      this.readAt = Date.now()
    }
    return this.ips
  }
}
