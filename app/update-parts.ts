// The appliance's update parts, opened by the composition root when `updater-socket` is set: the helper's client,
// the status it keeps fresh (also the watcher's hand-off), and the quiet-window scheduler.
import path from 'node:path'
import type { Config } from '../services/config/config.js'
import type { NodeSettings } from '../services/config/node-settings.js'
import type { PartList } from '../services/lifecycle/part-list.js'
import { UpdaterClient } from '../services/update/updater-client.js'
import { ReleaseSpool } from '../services/update/release-spool.js'
import { UpdateControl } from '../services/update/update-control.js'
import { UpdateScheduler } from '../services/update/update-scheduler.js'

/** Where the node writes bundles for the helper: inside its own data folder, which the helper may read. */
export const SPOOL_FOLDER = 'updates'

export async function openUpdateControl (parts: PartList, config: Readonly<Config>, settings: NodeSettings): Promise<UpdateControl> {
  const client = await parts.open('updater client', new UpdaterClient({ path: config.updaterSocket! }))
  const control = await parts.open('updater', new UpdateControl({ client, spool: new ReleaseSpool(path.join(config.data, SPOOL_FOLDER)) }))
  await parts.open('update scheduler', new UpdateScheduler({ control, settings }))
  return control
}
