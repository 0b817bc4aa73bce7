// The entry point shape both root helpers share: a failure is one line in the journal and exit code 1, not a
// stack trace (their messages already say what to do).
import type { Logger } from '../services/log.js'

export async function helperMain (log: Logger, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (err) {
    log.error((err as Error).message)
    process.exitCode = 1
  }
}
