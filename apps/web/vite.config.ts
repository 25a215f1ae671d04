import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** `pnpm dev` runs the API on MAILROOM_API_URL (default http://127.0.0.1:3000); the dev server passes the API's paths to it. */
const api = process.env.MAILROOM_API_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: Object.fromEntries(
      ["/api", "/v1", "/trpc", "/docs", "/healthz"].map((path) => [path, { target: api, changeOrigin: false }]),
    ),
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline preload helper: the app's Content-Security-Policy allows scripts from its own files only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
    reportCompressedSize: false,
  },
});
