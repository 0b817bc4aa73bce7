import { defineConfig } from 'vitest/config'

// Tiers are file suffixes: *.unit.test.ts run in memory; *.integration.test.ts use network namespaces,
// real processes and real Chromium, and need root. Integration files run one at a time: they share the host's
// network stack and two cores.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.unit.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.integration.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      }
    ]
  }
})
