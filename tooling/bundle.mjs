// The runnable builds: one ESM file per entry, made by esbuild from the TypeScript sources
// (workspace packages included, through the @mailroom/source condition). Type checking is `tsc`'s
// job (`pnpm typecheck`); a bundle takes about a second where `tsc` emitting every package took
// most of a first start, and one file loads faster than hundreds.
//   node ../../tooling/bundle.mjs <entry.ts>… [--external <package>]…   (from the package's folder)
import { chmodSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Bundle `entries` of the package in `dir` into `dir`/dist. */
export async function bundle({ dir, entries, external = [] }) {
  const outdir = join(dir, "dist");
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: resolve(dir),
    entryPoints: entries,
    outdir,
    bundle: true,
    // A dynamic import() becomes its own file, loaded only when reached (the CLI's spinner).
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@mailroom/source"],
    // Packages that find their own files next to their code (PGlite's wasm, swagger-ui's assets)
    // or are optional add-ons stay in node_modules; they must be the package's own dependencies.
    external,
    // Bundled CommonJS dependencies call require() for node's built-ins; ESM has no require.
    banner: {
      js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
    },
    // No source maps: node uses them only with --enable-source-maps, and writing one costs a third of the bundle time.
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  for (const entry of entries) chmodSync(join(outdir, basename(entry).replace(/\.ts$/, ".js")), 0o755);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const entries = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--external");
  const external = args.filter((_, i) => args[i - 1] === "--external");
  const started = performance.now();
  await bundle({ dir: process.cwd(), entries, external });
  process.stdout.write(`bundled ${entries.join(", ")} in ${Math.round(performance.now() - started)} ms\n`);
}
