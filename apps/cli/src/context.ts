import type { Command } from "commander";
import { createMailroomClient, type MailroomClient } from "./client.js";
import { cliEnv } from "./env.js";
import type { OutputOptions } from "./output.js";

/** What every command reads: global flags over environment over defaults, resolved lazily. */
export interface Context {
  client(): MailroomClient;
  /** Where the server is and the key to use, for the plain HTTP routes (downloads) tRPC does not serve. */
  connection(): { url: string; apiKey: string | undefined };
  output(): OutputOptions;
}

export function createContext(program: Command): Context {
  let client: MailroomClient | undefined;
  const connection = () => {
    const opts = program.opts<{ url?: string; key?: string }>();
    const env = cliEnv();
    return { url: opts.url ?? env.url, apiKey: opts.key ?? env.apiKey };
  };
  return {
    client() {
      const { url, apiKey } = connection();
      client ??= createMailroomClient(url, apiKey);
      return client;
    },
    connection,
    output() {
      return { json: Boolean(program.opts<{ json?: boolean }>().json) };
    },
  };
}
