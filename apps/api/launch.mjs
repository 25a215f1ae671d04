// `pnpm start`: the browser app built and the server bundled first when missing or stale, then the
// server run in this process (it serves the app's files at /).
import { fileURLToPath } from "node:url";
import { ensureBuilt, launchBundle } from "../../tooling/launch.mjs";

const web = fileURLToPath(new URL("../web/", import.meta.url));
const { WEB_SOURCES, buildWeb } = await import("../web/build.mjs");
await ensureBuilt({ dir: web, sources: WEB_SOURCES, output: `${web}dist/index.html`, build: buildWeb, what: "the web app" });

await launchBundle({
  dir: fileURLToPath(new URL(".", import.meta.url)),
  sources: [
    "src",
    "package.json",
    "build.mjs",
    "../../packages/core/src",
    "../../packages/contracts/src",
    "../../tooling/bundle.mjs",
  ],
  build: async () => (await import("./build.mjs")).buildApi(),
  what: "the server",
});
