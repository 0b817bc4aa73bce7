// Checks every core in a data folder against its Merkle tree: the organiser's (and the tests') answer to
// "did that power cut damage anything?". A dry run only reads; a repair drops blocks that fail their hash,
// and replication fetches them again.
import path from 'node:path'
import { Corestore } from '../holepunch-modules.js'

export interface AuditReport {
  cores: number
  corrupt: number
  droppedBlocks: number
  droppedTreeNodes: number
  droppedBits: number
}

export async function auditStore (dataDir: string, { repair = false } = {}): Promise<AuditReport> {
  const store = new Corestore(path.join(dataDir, 'store'))
  await store.ready()
  const report: AuditReport = { cores: 0, corrupt: 0, droppedBlocks: 0, droppedTreeNodes: 0, droppedBits: 0 }
  try {
    for await (const { audit } of store.audit({ dryRun: !repair })) {
      report.cores++
      if (audit.corrupt) report.corrupt++
      report.droppedBlocks += audit.droppedBlocks ?? 0
      report.droppedTreeNodes += audit.droppedTreeNodes ?? 0
      report.droppedBits += audit.droppedBits ?? 0
    }
  } finally {
    await store.close()
  }
  return report
}
