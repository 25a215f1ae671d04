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

/** Whether `output` (a file) is missing or older than any of `sources` (paths relative to `dir`). */
export function isStale({ dir, sources, output }) {
  const newestSource = Math.max(...sources.filter((p) => existsSync(join(dir, p))).map((p) => newestMtime(join(dir, p))));
  return !existsSync(output) || statSync(output).mtimeMs < newestSource;
}

/** Build with `build()` when `output` is missing or stale; true when it built. */
export async function ensureBuilt({ dir, sources, output, build, what }) {
  if (!isStale({ dir, sources, output })) return false;
  process.stderr.write(`mailroom: building ${what}…\n`);
  await build();
  return true;
}

/** `sources` are paths relative to `dir`; `build()` writes `dir`/dist/main.js. */
export async function launchBundle({ dir, sources, build, what }) {
  const main = join(dir, "dist", "main.js");
  await ensureBuilt({ dir, sources, output: main, build, what });
  await import(pathToFileURL(main).href);
}
