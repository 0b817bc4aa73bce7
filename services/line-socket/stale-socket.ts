// Both root helpers (p2p-portal-netd, p2p-portal-updater) listen on a unix socket path when run by hand.
import net from 'node:net'
import fs from 'node:fs/promises'

/** A socket file left by a crashed run would make listen() fail with EADDRINUSE; a live one must be left alone. */
export async function removeStaleSocket (path: string, who: string): Promise<void> {
  const stat = await fs.lstat(path).catch(() => null)
  if (stat === null) return
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket: remove it or pick another --socket path`)
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path)
    probe.once('connect', () => { probe.destroy(); resolve(true) })
    probe.once('error', () => resolve(false))
  })
  if (live) throw new Error(`another ${who} already listens on ${path}`)
  await fs.unlink(path)
}
