// The browser app's static files (dist/): `pnpm build` (turbo) runs this file; `pnpm start`
// (apps/api/launch.mjs) and the browser tests call buildWeb() only when dist is missing or stale.
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

/** The paths, relative to apps/web, whose changes make dist stale. */
export const WEB_SOURCES = ["src", "public", "index.html", "vite.config.ts", "package.json", "build.mjs"];

export async function buildWeb() {
  const { build } = await import("vite");
  await build({ root: here, configFile: `${here}vite.config.ts`, logLevel: "warn", mode: "production" });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildWeb();
  process.stdout.write(`built apps/web in ${Math.round(performance.now() - started)} ms\n`);
}
