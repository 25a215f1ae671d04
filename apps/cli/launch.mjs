// `pnpm mailroom …`: the bundled CLI, bundled first when missing or stale. The package's `bin` is
// dist/main.js itself.
import { fileURLToPath } from "node:url";
import { launchBundle } from "../../tooling/launch.mjs";

const dir = fileURLToPath(new URL(".", import.meta.url));
await launchBundle({
  dir,
  sources: ["src", "../../packages/contracts/src", "package.json"],
  build: async () => (await import("../../tooling/bundle.mjs")).bundle({ dir, entries: ["src/main.ts"] }),
  what: "the CLI",
});
