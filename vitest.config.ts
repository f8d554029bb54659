import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    // Tests that run cloud-init, bats or a chroot spawn processes; two cores, so keep workers few.
    maxWorkers: 2,
    // One module graph per worker, not per file: each file paid ~0.7 s (more under load) importing the
    // AWS SDK, the fake account and aws-local-stepfunctions again. Safe while tests keep their state
    // per test: the fake account is installed and restored in beforeEach (useFakeAccount and the
    // runner), spies are restored and envs unstubbed by the file that makes them, and nothing uses
    // vi.mock (a module mock would outlive its file).
    isolate: false,
    env: {
      // The AWS SDK warns on Node 20 (once per process: every worker and every CLI child process)
      // that its releases after January 2027 need Node 22. package.json's engines already says which
      // Node this runs on; the CLI still shows the warning on runs against AWS (src/cli/main.ts).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
