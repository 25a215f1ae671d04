// `pnpm start`: the bundled server, bundled first when missing or stale, run in this process.
import { fileURLToPath } from "node:url";
import { launchBundle } from "../../tooling/launch.mjs";

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
