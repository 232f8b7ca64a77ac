import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Interop tests bind real sockets and drive SIPp/Kamailio; run files one at a time on 2 cores.
    fileParallelism: false,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
