// The `systemd-notify` npm package: spawns the `systemd-notify` binary. Resolves once it exits 0; rejects with
// the spawn Error, or with the binary's stderr text (a string) when it exits non-zero.
declare module 'systemd-notify' {
  import type { ChildProcess } from 'node:child_process'
  export interface NotifyOptions {
    ready?: boolean
    status?: string
    pid?: number
    booted?: boolean
  }
  export default function systemdNotify (opts?: NotifyOptions): Promise<ChildProcess>
}
