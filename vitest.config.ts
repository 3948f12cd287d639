import { defineConfig } from 'vitest/config';

// Tests import packages by name and run against their build (`pnpm test` builds first), so what is
// tested is what users get.
export default defineConfig({
  test: {
    include: ['{packages,plugins,examples}/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    coverage: {
      provider: 'v8',
      include: ['{packages,plugins,examples}/*/src/**/*.ts'],
    },
  },
});
