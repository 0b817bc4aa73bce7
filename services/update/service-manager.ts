// What the installer needs from the init system. The real one is systemctl.ts; tests hand in a fake.
export interface ServiceManager {
  restart (unit: string): Promise<void>
  isActive (unit: string): Promise<boolean>
  /** Resolves true once the unit is active (for Type=notify: after READY=1), false if it failed or timeoutMs passed. */
  waitReady (unit: string, timeoutMs: number): Promise<boolean>
  /**
   * How many times the manager restarted the unit by itself (systemd's NRestarts). With Restart=always a crash
   * during probation comes back as "active" a few seconds later; this count is how the installer still sees it.
   */
  restartCount? (unit: string): Promise<number>
}

export interface Clock {
  now (): number
  sleep (ms: number): Promise<void>
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise(resolve => setTimeout(resolve, ms))
}
