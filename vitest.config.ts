import { defineConfig } from 'vitest/config'

// Unit tests: fast, no network, no real docker. The end-to-end suite has its own config.
export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    exclude: ['__tests__/e2e/**'],
    environment: 'node',
    setupFiles: ['__tests__/fixtures/home.ts'],
    restoreMocks: true,
    unstubEnvs: true
  }
})
