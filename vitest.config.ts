import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    // Tests that run cloud-init, bats or a chroot spawn processes; two cores, so keep workers few.
    maxWorkers: 2,
  },
});
