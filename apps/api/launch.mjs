// `pnpm start`: run the bundled server, bundling it first when it is missing or older than its
// sources (a stat of each source file: a few milliseconds, where `turbo run build` takes a second
// even when cached, and a fresh clone pays it on top of the bundle).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const main = join(here, "dist", "main.js");
const sources = [
  "src",
  "package.json",
  "build.mjs",
  "../../packages/core/src",
  "../../packages/contracts/src",
  "../../tooling/bundle.mjs",
].map((p) => join(here, p));

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

if (!existsSync(main) || statSync(main).mtimeMs < Math.max(...sources.map(newestMtime))) {
  const { buildApi } = await import("./build.mjs");
  process.stderr.write("mailroom: bundling the server…\n");
  await buildApi();
}
await import(pathToFileURL(main).href);
