import type { AppRouter } from "@mailroom/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { CliError } from "./cli-error.js";

export type MailroomClient = ReturnType<typeof createMailroomClient>;

/** A tRPC client whose every call gives up after `timeoutMs`. */
export function createMailroomClient(baseUrl: string, apiKey: string | undefined, timeoutMs: number) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl.replace(/\/+$/, "")}/trpc`,
        headers: () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        fetch: (url, init) => {
          const deadline = AbortSignal.timeout(timeoutMs);
          const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
          return fetch(url, { ...(init as RequestInit), signal });
        },
      }),
    ],
  });
}

export const MISSING_KEY_HELP =
  "No API key: pass --key <key> or --key-file <file>, or set MAILROOM_API_KEY or MAILROOM_API_KEY_FILE";

/** Why a request never got an answer, naming the server; undefined when it did get one. */
export function unreachable(err: unknown, serverUrl: string): string | undefined {
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  if (chain.some((e) => (e as Error).name === "TimeoutError"))
    return `The Mailroom server at ${serverUrl} did not answer in time`;
  const failed = chain.find((e) => e instanceof TypeError && /fetch failed/i.test(e.message));
  if (!failed) return undefined;
  const code = (failed as { cause?: { code?: string; message?: string } }).cause;
  return `Cannot reach the Mailroom server at ${serverUrl}: ${code?.code ?? code?.message ?? "fetch failed"}`;
}

/** The server's own words for a failed call, with its error code; or why the server was not reached. */
export function describeError(err: unknown, serverUrl: string): string {
  if (err instanceof CliError) return err.message;
  const offline = unreachable(err, serverUrl);
  if (offline) return offline;
  if (err instanceof TRPCClientError) {
    const data = err.data as
      | { mailroom?: { code: string; details: { path: (string | number)[]; message: string }[] | null } }
      | undefined;
    const m = data?.mailroom;
    if (m?.code === "MISSING_API_KEY") return `${MISSING_KEY_HELP} (MISSING_API_KEY)`;
    if (m) {
      const details = (m.details ?? []).map((d) => `\n  ${d.path.join(".") || "(input)"}: ${d.message}`).join("");
      return `${err.message} (${m.code})${details}`;
    }
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
