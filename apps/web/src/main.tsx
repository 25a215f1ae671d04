import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { createClient, type MailboxSession, TRPCProvider, whoAmI } from "./api";
import { SignIn } from "./SignIn";
import "./styles.css";

// Each half of the app loads only when it is used: a mailbox user never downloads the console.
// The half the address names starts loading at once, alongside the session check, not after it.
const loadConsole = () => import("./console/Console");
const loadWebmail = () => import("./webmail/Webmail");
if (location.pathname.startsWith("/console")) void loadConsole();
if (location.pathname.startsWith("/mail")) void loadWebmail();
const Console = lazy(loadConsole);
const Webmail = lazy(loadWebmail);

/** The API key lives in this tab's sessionStorage only: closing the tab forgets it. */
const KEY_STORAGE = "mailroom.apiKey";

export type Session =
  | { kind: "key"; key: string; admin: boolean; tenantName: string | null }
  | { kind: "mailbox"; session: MailboxSession };

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const key = sessionStorage.getItem(KEY_STORAGE);
      try {
        if (key) {
          const me = await whoAmI({ kind: "key", key });
          if (me && me.kind !== "mailbox") {
            if (!cancelled)
              setSession({
                kind: "key",
                key,
                admin: me.kind === "admin",
                tenantName: me.kind === "tenant" ? me.tenant.name : null,
              });
            return;
          }
          sessionStorage.removeItem(KEY_STORAGE);
        }
        const me = await whoAmI();
        if (!cancelled) setSession(me?.kind === "mailbox" ? { kind: "mailbox", session: me } : null);
      } catch {
        if (!cancelled) setSession(null);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  if (session === undefined) return <p className="muted center">Loading…</p>;
  if (session === null)
    return (
      <SignIn
        onKey={(key, admin, tenantName) => {
          sessionStorage.setItem(KEY_STORAGE, key);
          history.replaceState(null, "", "/console");
          setSession({ kind: "key", key, admin, tenantName });
        }}
        onMailbox={(s) => {
          history.replaceState(null, "", "/mail");
          setSession({ kind: "mailbox", session: s });
        }}
      />
    );
  const signOut = () => {
    sessionStorage.removeItem(KEY_STORAGE);
    history.replaceState(null, "", "/");
    setSession(null);
  };
  return (
    <Signed key={session.kind === "key" ? session.key : session.session.csrf_token} session={session} onSignOut={signOut}>
      {session.kind === "key" ? (
        <Console admin={session.admin} tenantName={session.tenantName} apiKey={session.key} onSignOut={signOut} />
      ) : (
        <Webmail session={session.session} onSignOut={signOut} />
      )}
    </Signed>
  );
}

/** One tRPC client and query cache per signed-in session (App remounts this on a new one): nothing cached crosses a sign-out. */
function Signed({ session, children }: { session: Session; onSignOut: () => void; children: React.ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 } } }),
  );
  const [trpcClient] = useState(() =>
    createClient(
      session.kind === "key" ? { kind: "key", key: session.key } : { kind: "mailbox", csrfToken: session.session.csrf_token },
    ),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Suspense fallback={<p className="muted center">Loading…</p>}>{children}</Suspense>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
