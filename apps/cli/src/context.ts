import type { Command } from "commander";
import { createMailroomClient, type MailroomClient } from "./client.js";
import { cliEnv } from "./env.js";
import type { OutputOptions } from "./output.js";

/** What every command reads: global flags over environment over defaults, resolved lazily. */
export interface Context {
  client(): MailroomClient;
  output(): OutputOptions;
}

export function createContext(program: Command): Context {
  let client: MailroomClient | undefined;
  return {
    client() {
      const opts = program.opts<{ url?: string; key?: string }>();
      const env = cliEnv();
      client ??= createMailroomClient(opts.url ?? env.url, opts.key ?? env.apiKey);
      return client;
    },
    output() {
      return { json: Boolean(program.opts<{ json?: boolean }>().json) };
    },
  };
}
