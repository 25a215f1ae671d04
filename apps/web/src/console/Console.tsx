import { useQuery } from "@tanstack/react-query";
import { useState, useSyncExternalStore } from "react";
import { rateLimitStore, useTRPC } from "../api";
import { ErrorNote } from "../ui";
import { Domains } from "./Domains";
import { Keys } from "./Keys";
import { Mailboxes } from "./Mailboxes";
import { Sent } from "./Sent";
import { Tenants } from "./Tenants";
import { Webhooks } from "./Webhooks";

const TENANT_SECTIONS = ["Domains", "Mailboxes", "API keys", "Webhooks", "Sent"] as const;
type Section = (typeof TENANT_SECTIONS)[number] | "Tenants";

export default function Console({
  admin,
  tenantName,
  onSignOut,
}: {
  admin: boolean;
  tenantName: string | null;
  apiKey: string;
  onSignOut: () => void;
}) {
  const sections: readonly Section[] = admin ? ["Tenants"] : TENANT_SECTIONS;
  const [section, setSection] = useState<Section>(sections[0]!);
  return (
    <div className="console">
      <header className="topbar">
        <strong>Mailroom console</strong>
        <span className="muted">{admin ? "admin key" : `tenant ${tenantName}`}</span>
        <RateLimit />
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Console sections" className="sections">
        {sections.map((s) => (
          <button key={s} type="button" aria-current={s === section ? "page" : undefined} onClick={() => setSection(s)}>
            {s}
          </button>
        ))}
      </nav>
      <main id="main" className="content">
        <h1>{section}</h1>
        {section === "Domains" && <Domains />}
        {section === "Mailboxes" && <Mailboxes />}
        {section === "API keys" && <Keys />}
        {section === "Webhooks" && <Webhooks />}
        {section === "Sent" && <Sent />}
        {section === "Tenants" && <Tenants />}
      </main>
    </div>
  );
}

/** The plan's limit (GET /me) and what is left of this minute (the last answer's X-RateLimit-* headers). */
function RateLimit() {
  const trpc = useTRPC();
  const me = useQuery(trpc.keys.whoami.queryOptions());
  const state = useSyncExternalStore(rateLimitStore.subscribe, rateLimitStore.get);
  if (me.error) return <ErrorNote error={me.error} />;
  const limit = me.data?.rate_limit;
  if (!limit) return null;
  const used = state ? state.limit - state.remaining : undefined;
  return (
    <span className="ratelimit" data-testid="rate-limit">
      {limit.limit} requests / {limit.window_seconds} s{plan(me.data?.tenant?.plan)}
      {used !== undefined && (
        <>
          {" · "}
          <meter min={0} max={state!.limit} value={used} aria-label="Requests used this minute" /> {used} used, resets{" "}
          {state!.resetAt.toLocaleTimeString()}
        </>
      )}
    </span>
  );
}

function plan(name: string | undefined) {
  return name ? ` (${name} plan)` : "";
}
