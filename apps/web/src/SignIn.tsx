import { useState } from "react";
import { ApiError, type MailboxSession, signInMailbox, whoAmI } from "./api";
import { ErrorNote, Field } from "./ui";

export function SignIn({
  onKey,
  onMailbox,
}: {
  onKey: (key: string, admin: boolean, tenantName: string | null) => void;
  onMailbox: (session: MailboxSession) => void;
}) {
  const [mode, setMode] = useState<"mailbox" | "key">(location.pathname.startsWith("/console") ? "key" : "mailbox");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>Mailroom</h1>
      <div className="tabs" role="tablist" aria-label="Sign in with">
        <button type="button" role="tab" aria-selected={mode === "mailbox"} onClick={() => setMode("mailbox")}>
          Webmail
        </button>
        <button type="button" role="tab" aria-selected={mode === "key"} onClick={() => setMode("key")}>
          Console (API key)
        </button>
      </div>
      {mode === "mailbox" ? (
        <form
          aria-label="Sign in to a mailbox"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            void run(async () => {
              onMailbox(await signInMailbox(String(form.get("address")).trim(), String(form.get("password"))));
            });
          }}
        >
          <Field label="Address">{(id) => <input id={id} name="address" type="email" autoComplete="username" required />}</Field>
          <Field label="Password">
            {(id) => <input id={id} name="password" type="password" autoComplete="current-password" required />}
          </Field>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      ) : (
        <form
          aria-label="Sign in with an API key"
          onSubmit={(e) => {
            e.preventDefault();
            const key = String(new FormData(e.currentTarget).get("key")).trim();
            void run(async () => {
              const me = await whoAmI({ kind: "key", key });
              if (!me) {
                // whoAmI hides a 401 as "nobody"; ask again to show the server's reason.
                const res = await fetch("/api/v1/me", { headers: { authorization: `Bearer ${key}` } });
                const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
                throw new ApiError(res.status, body.code ?? "INVALID_API_KEY", body.error ?? "Invalid API key");
              }
              if (me.kind === "mailbox") throw new Error("That is not an API key");
              onKey(key, me.kind === "admin", me.kind === "tenant" ? me.tenant.name : null);
            });
          }}
        >
          <Field label="API key" hint="A tenant key (mr_live_…) or the admin key (mr_admin_…). Kept in this tab only.">
            {(id, hint) => (
              <input id={id} name="key" type="password" autoComplete="off" spellCheck={false} required aria-describedby={hint} />
            )}
          </Field>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Checking…" : "Open the console"}
          </button>
        </form>
      )}
      <ErrorNote error={error} />
    </main>
  );
}
