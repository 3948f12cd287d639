import { defineConfig } from 'vitest/config';
import CountReporter from './scripts/kernel-reporter.js';

// The real-kernel suites (`pnpm test:kernel`, run by .ci/run): they boot Debian's kernels under QEMU,
// so one file at a time (two cores, one vCPU per guest) and generous limits.
export default defineConfig({
  test: {
    include: ['{packages,plugins,examples}/*/test-kernel/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
    reporters: ['default', new CountReporter()],
  },
});
