import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run the TypeScript sources of the workspace packages, never stale builds.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@mailroom\/contracts$/, replacement: source("./packages/contracts/src/index.ts") },
      { find: /^@mailroom\/core$/, replacement: source("./packages/core/src/index.ts") },
      { find: /^@mailroom\/api$/, replacement: source("./apps/api/src/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    globalSetup: ["./apps/api/test/support/global-setup.ts"],
    pool: "forks",
    // One database per test process, shared by the files it runs; tests isolate by their own tenants.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // .ci/run asks for a JSON report too, to print one plain "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT
      ? ["default", ["json", { outputFile: process.env.VITEST_JSON_REPORT }]]
      : ["default"],
  },
});
