import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ServerResponse } from "node:http";

const requireFromHere = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(requireFromHere.resolve("swagger-ui-dist/package.json"));

/** Only these files are served from swagger-ui-dist. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** Nothing may load from another origin: no CDN, fonts or telemetry, even if a bundle names one. */
export const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Mailroom API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the spec to an outside validator.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
});
`;

/** Serves /docs, /docs/init.js and /docs/assets/*; false when the path is not ours. */
export async function serveDocs(pathname: string, res: ServerResponse): Promise<boolean> {
  if (pathname === "/docs" || pathname === "/docs/") return send(res, 200, "text/html; charset=utf-8", PAGE);
  if (pathname === "/docs/init.js") return send(res, 200, "text/javascript; charset=utf-8", INIT);
  const match = /^\/docs\/assets\/([\w.-]+)$/.exec(pathname);
  if (!match) return false;
  const type = ASSETS[match[1]!];
  if (!type) return send(res, 404, "text/plain; charset=utf-8", "Not found");
  const body = await readFile(join(SWAGGER_DIR, match[1]!));
  res.setHeader("Cache-Control", "public, max-age=86400");
  return send(res, 200, type, body);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): true {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Security-Policy", DOCS_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.end(body);
  return true;
}
