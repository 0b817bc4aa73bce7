// Which holders still count toward a drive's copies. A Pi that reboots or drops off the Wi-Fi for a moment
// comes back with its disk intact: repairing at once would copy gigabytes over the LAN for nothing, so a
// holder that has gone quiet keeps counting for a grace period.

export const DEFAULT_HOLDER_GRACE_MS = 60_000

/** Nodes seen within `graceMs` of `now` (connected nodes are seen "now"). */
export function countedHolders (lastSeen: ReadonlyMap<string, number>, now: number, graceMs = DEFAULT_HOLDER_GRACE_MS): Set<string> {
  const counted = new Set<string>()
  for (const [node, at] of lastSeen) if (now - at <= graceMs) counted.add(node)
  return counted
}
