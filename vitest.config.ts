import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql 16 ships ESM under "module" and CJS under "main": Vite would pick the first for our code
  // while Node gives Apollo Server the second, and graphql refuses to mix two copies. Use Node's.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    // GraphiQL's browser files (dist/graphiql/), which gateways started from src/ serve: built once
    // when missing or when their inputs changed, so that `npm test` works on a clean clone.
    globalSetup: ['scripts/build-graphiql.mjs'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own emulator and gateway on port 0; files run in parallel processes.
    pool: 'forks',
  },
});
