// Logs are read by an organiser in `journalctl`: scoped one-liners, no timestamps (journald adds them),
// never a secret. Tests and benches silence them with P2P_PORTAL_LOG=silent via the config module.

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

let threshold = ORDER.info

export function setLogLevel (level: Level): void {
  threshold = ORDER[level]
}

export interface Logger {
  debug (msg: string): void
  info (msg: string): void
  warn (msg: string): void
  error (msg: string): void
}

export function logger (scope: string): Logger {
  const line = (level: Level, msg: string) => {
    if (ORDER[level] < threshold) return
    const out = level === 'error' || level === 'warn' ? process.stderr : process.stdout
    out.write(`[${scope}] ${level === 'info' ? '' : level + ': '}${msg}\n`)
  }
  return {
    debug: (m) => line('debug', m),
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m)
  }
}
