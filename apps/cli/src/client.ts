import type { AppRouter } from "@mailroom/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";

export type MailroomClient = ReturnType<typeof createMailroomClient>;

export function createMailroomClient(baseUrl: string, apiKey: string | undefined) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl.replace(/\/+$/, "")}/trpc`,
        headers: () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      }),
    ],
  });
}

/** The server's own words for a failed call, with its error code. */
export function describeError(err: unknown): string {
  if (err instanceof TRPCClientError) {
    const data = err.data as { mailroom?: { code: string; details: { path: (string | number)[]; message: string }[] | null } } | undefined;
    const m = data?.mailroom;
    if (m) {
      const details = (m.details ?? []).map((d) => `\n  ${d.path.join(".") || "(input)"}: ${d.message}`).join("");
      return `${err.message} (${m.code})${details}`;
    }
    const cause = err.cause as { code?: string } | undefined;
    if (cause?.code === "ECONNREFUSED" || /fetch failed/i.test(err.message)) {
      return `Cannot reach the Mailroom server: ${err.message}`;
    }
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
