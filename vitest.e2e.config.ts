import { defineConfig } from 'vitest/config'

// End-to-end: the real bundle under Node 24 against moto, Distribution registries and tinyproxy,
// started by the global setup. One file at a time: the peers are shared.
export default defineConfig({
  test: {
    include: ['__tests__/e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['__tests__/e2e/support/global-setup.ts']
  }
})
