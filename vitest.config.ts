import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{server,shared,extension,fixtures,bench,scripts}/**/*.test.{ts,tsx}', '*.test.ts'],
    // better-sqlite3 is a native addon: separate processes keep each test file's database apart.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
