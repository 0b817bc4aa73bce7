import { defineConfig } from 'vitest/config'

// Tiers are file suffixes, so one filter picks a tier:
// - *.unit.test.ts (test/unit/): one part (or a few wired by hand) in this process, driven directly: no whole
//   node, no namespace, no browser. A real socket only where the socket is what is tested (HttpServer's idle
//   rules, two PeerManagers on 127.0.0.1); helper processes only as stand-ins for the OS (a fake nmcli on PATH,
//   systemd's NOTIFY_SOCKET end).
// - *.integration.test.ts: the real thing, in two projects that `npm run test:integration` runs together:
//   - integration-local (test/integration/local/): whole nodes or servers on 127.0.0.1 and unix sockets, real
//     child processes; no root needed (a few tests mount a tmpfs when root and skip otherwise). Files share
//     nothing but the host, so they run in parallel, next to the unit tier.
//   - integration (test/integration/*.integration.test.ts): network namespaces, avahi, dnsmasq, real Chromium;
//     needs root. One file at a time (they share the host's network stack and two cores), and only after the
//     other projects have finished (groupOrder): their timing claims (mDNS within seconds, video seeks) hold on
//     a quiet machine, not next to 40 other test files.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.unit.test.ts'], testTimeout: 20_000, sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration-local',
          include: ['test/integration/local/**/*.integration.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/*.integration.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
