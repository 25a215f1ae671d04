// `pnpm dev`: the API from its TypeScript sources (tsx) and the browser app from Vite's dev server,
// which hot-reloads the app and passes /api, /v1, /trpc, /docs and /healthz to the API.
// Open http://127.0.0.1:5173 (WEB_DEV_PORT); the API itself stays on PORT (3000).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const web = `${root}apps/web/`;
const apiPort = process.env.PORT || "3000";
const apiHost = process.env.HOST || "127.0.0.1";
process.env.MAILROOM_API_URL ??= `http://${apiHost.includes(":") ? `[${apiHost}]` : apiHost}:${apiPort}`;

const api = spawn(process.execPath, ["--conditions=@mailroom/source", "--import", "tsx", "apps/api/src/main.ts"], {
  cwd: root,
  stdio: "inherit",
  env: process.env,
});

const vite = await import(pathToFileURL(createRequire(`${web}package.json`).resolve("vite")).href);
const server = await vite.createServer({ root: web, configFile: `${web}vite.config.ts` });
await server.listen();
server.printUrls();

const stop = async (code) => {
  await server.close();
  api.kill("SIGTERM");
  process.exitCode = code;
};
api.on("exit", (code) => void stop(code ?? 1));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => void stop(0));
