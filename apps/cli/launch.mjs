// `pnpm mailroom …`: run the bundled CLI, bundling it first when it is missing or older than its
// sources (a stat of each source file: a few milliseconds, where `turbo run build` takes a second
// even when cached). The package's `bin` is dist/main.js itself.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const main = join(here, "dist", "main.js");
const sources = [join(here, "src"), join(here, "../../packages/contracts/src"), join(here, "package.json")];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

if (!existsSync(main) || statSync(main).mtimeMs < Math.max(...sources.map(newestMtime))) {
  const { bundle } = await import("../../tooling/bundle.mjs");
  process.stderr.write("mailroom: bundling the CLI…\n");
  await bundle({ dir: here, entries: ["src/main.ts"] });
}
await import(pathToFileURL(main).href);
