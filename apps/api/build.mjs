// The api's runnable bundle (dist/main.js). `pnpm build` runs this file; `pnpm start` goes through
// launch.mjs, which calls buildApi() only when the bundle is missing or older than its sources.
import { fileURLToPath } from "node:url";
import { bundle } from "../../tooling/bundle.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Packages that find their own files beside their code (PGlite's wasm, swagger-ui's assets) or are optional stay in node_modules. */
const EXTERNAL = ["@electric-sql/pglite", "swagger-ui-dist", "pg-native", "pino-pretty"];

export function buildApi() {
  return bundle({ dir: here, entries: ["src/main.ts"], external: EXTERNAL });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildApi();
  process.stdout.write(`bundled apps/api/src/main.ts in ${Math.round(performance.now() - started)} ms\n`);
}
