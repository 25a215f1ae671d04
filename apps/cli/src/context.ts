import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import { createMailroomClient, type MailroomClient } from "./client.js";
import { cliEnv } from "./env.js";
import type { OutputOptions } from "./output.js";

/** What every command reads: global flags over environment over defaults, resolved lazily. */
export interface Context {
  /** The tRPC client; `timeoutMs` bounds each call (long polls pass their own wait plus a margin). */
  client(options?: { timeoutMs?: number }): MailroomClient;
  /** Where the server is and the key to use, for the plain HTTP routes (downloads) tRPC does not serve. */
  connection(): { url: string; apiKey: string | undefined };
  output(): OutputOptions;
}

/** A call that has not answered in this long has failed: no command may hang on a silent server. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

interface GlobalOptions {
  url?: string;
  key?: string;
  keyFile?: string;
  json?: boolean;
}

/** `--key` over `--key-file` over MAILROOM_API_KEY over MAILROOM_API_KEY_FILE. */
function resolveApiKey(opts: GlobalOptions, env: ReturnType<typeof cliEnv>): string | undefined {
  if (opts.key) return opts.key;
  const file = opts.keyFile ?? (env.apiKey ? undefined : env.apiKeyFile);
  if (!file) return env.apiKey;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new CliError(`Cannot read the API key file ${file}: ${reason}`);
  }
  const key = text.trim();
  if (!key) throw new CliError(`The API key file ${file} is empty`);
  return key;
}

export function createContext(program: Command): Context {
  const clients = new Map<number, MailroomClient>();
  const connection = () => {
    const opts = program.opts<GlobalOptions>();
    const env = cliEnv();
    return { url: opts.url ?? env.url, apiKey: resolveApiKey(opts, env) };
  };
  return {
    client(options = {}) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      let client = clients.get(timeoutMs);
      if (!client) {
        const { url, apiKey } = connection();
        client = createMailroomClient(url, apiKey, timeoutMs);
        clients.set(timeoutMs, client);
      }
      return client;
    },
    connection,
    output() {
      return { json: Boolean(program.opts<GlobalOptions>().json) };
    },
  };
}
