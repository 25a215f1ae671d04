// Run a package's bundled entry, bundling it first when it is missing or older than its sources
// (a stat of each source file: a few milliseconds, where `turbo run build` takes a second even
// when cached). Used by `pnpm start` (apps/api/launch.mjs) and `pnpm mailroom` (apps/cli/launch.mjs).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** `sources` are paths relative to `dir`; `build()` writes `dir`/dist/main.js. */
export async function launchBundle({ dir, sources, build, what }) {
  const main = join(dir, "dist", "main.js");
  const newestSource = Math.max(...sources.map((p) => newestMtime(join(dir, p))));
  if (!existsSync(main) || statSync(main).mtimeMs < newestSource) {
    process.stderr.write(`mailroom: bundling ${what}…\n`);
    await build();
  }
  await import(pathToFileURL(main).href);
}
