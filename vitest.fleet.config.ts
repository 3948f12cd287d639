import { defineConfig } from 'vitest/config';

// The fleet example under real Ansible (`pnpm test:fleet`, run by .ci/run): slower than `pnpm test`
// should be, since ansible starts a Python process per task.
export default defineConfig({
  test: {
    include: ['examples/fleet/test/**/*.fleet.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // `pnpm test` lists the Ansible tests as skipped; this run is the one that does them.
    env: { PATCHWISE_FLEET: '1' },
  },
});
