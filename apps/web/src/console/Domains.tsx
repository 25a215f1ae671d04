import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDate, type RouterOutputs, useTRPC } from "../api";
import { CopyButton, ErrorNote, Field, Loading, StatusBadge } from "../ui";

type Domain = RouterOutputs["domains"]["list"]["domains"][number];
type DnsRecord = Domain["dns_records"][number];
type Verification = RouterOutputs["domains"]["verify"];

export function Domains() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.domains.list.queryOptions({ limit: 100 }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.domains.list.queryKey() });
  const create = useMutation(trpc.domains.create.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-label="Domains">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const domain = String(new FormData(form).get("domain")).trim();
          create.mutate({ domain }, { onSuccess: () => form.reset() });
        }}
      >
        <Field label="Add a domain">
          {(id) => <input id={id} name="domain" placeholder="example.com" required autoComplete="off" />}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Add domain
        </button>
      </form>
      <ErrorNote error={create.error} />
      {list.isPending && <Loading what="domains" />}
      <ErrorNote error={list.error} />
      {list.data?.domains.length === 0 && <p className="muted">No domains yet. Mailboxes can use the server's shared domains.</p>}
      {list.data?.domains.map((d) => (
        <DomainCard key={d.id} domain={d} onChange={refresh} />
      ))}
    </section>
  );
}

function DomainCard({ domain, onChange }: { domain: Domain; onChange: () => void }) {
  const trpc = useTRPC();
  const [verification, setVerification] = useState<Verification | null>(null);
  const [showZone, setShowZone] = useState(false);
  const verify = useMutation(
    trpc.domains.verify.mutationOptions({
      onSuccess: (v) => {
        setVerification(v);
        onChange();
      },
    }),
  );
  const remove = useMutation(trpc.domains.delete.mutationOptions({ onSuccess: onChange }));
  const checks = new Map(verification?.records.map((r) => [`${r.type} ${r.host}`, r]));

  return (
    <article className="card" aria-label={`Domain ${domain.domain}`} data-testid="domain">
      <header className="card-head">
        <h2>{domain.domain}</h2>
        <StatusBadge status={domain.status} />
        <span className="muted">checked {formatDate(domain.checked_at)}</span>
      </header>
      {domain.dns_warning && <p className="warning">{domain.dns_warning}</p>}
      {domain.failure_reason && <p className="error">{domain.failure_reason}</p>}
      <div className="table-wrap">
        <table>
          <caption>DNS records to publish</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Host</th>
              <th scope="col">Value</th>
              {verification && <th scope="col">In DNS</th>}
            </tr>
          </thead>
          <tbody>
            {domain.dns_records.map((r) => {
              const check = checks.get(`${r.type} ${r.host}`);
              return (
                <tr key={`${r.type} ${r.host}`}>
                  <td>{r.type}</td>
                  <td>
                    <code>{r.host}</code> <CopyButton text={r.host} label="Copy host" />
                  </td>
                  <td>
                    <code className="break">
                      {r.priority !== undefined ? `${r.priority} ` : ""}
                      {r.value}
                    </code>{" "}
                    <CopyButton text={r.value} label="Copy value" />
                  </td>
                  {verification && (
                    <td data-testid="record-check">
                      {check ? (
                        check.found ? (
                          <span className="ok">✓ found</span>
                        ) : (
                          <span className={check.required ? "error" : "warning"}>
                            ✗ {check.error ? `lookup failed: ${check.error}` : "missing"}
                            {check.required ? "" : " (optional)"}
                            {check.reason && <small className="block">{check.reason}</small>}
                            {check.observed.length > 0 && <small className="block">found: {check.observed.join(" | ")}</small>}
                          </span>
                        )
                      ) : (
                        "—"
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="row">
        <button type="button" onClick={() => verify.mutate({ id: domain.id })} disabled={verify.isPending}>
          {verify.isPending ? "Looking up…" : "Verify now"}
        </button>
        <button type="button" onClick={() => setShowZone(!showZone)} aria-expanded={showZone}>
          {showZone ? "Hide zone file" : "Zone file"}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (confirm(`Delete ${domain.domain}? Its mailboxes and their mail are deleted too.`))
              remove.mutate({ id: domain.id, force: "true" });
          }}
        >
          Delete
        </button>
      </div>
      {verification && (
        <p role="status">
          Checked {formatDate(verification.checked_at)}: {verification.status.replace(/_/g, " ")}
        </p>
      )}
      {showZone && <ZoneFile domain={domain.domain} records={domain.dns_records} />}
      <ErrorNote error={verify.error ?? remove.error} />
    </article>
  );
}

/** The records as zone-file lines (RFC 1035), made here as the CLI's `domains dns --format bind` makes them. */
function ZoneFile({ domain, records }: { domain: string; records: DnsRecord[] }) {
  const lines = records.map((r) => {
    const owner = `${r.host === "@" ? domain : `${r.host}.${domain}`}.`;
    if (r.type === "MX") return `${owner}\t3600\tIN\tMX\t${r.priority ?? 10} ${r.value}.`;
    if (r.type === "CNAME") return `${owner}\t3600\tIN\tCNAME\t${r.value}.`;
    return `${owner}\t3600\tIN\tTXT\t${txtStrings(r.value)}`;
  });
  const text = `${lines.join("\n")}\n`;
  return (
    <div>
      <pre className="zone" data-testid="zone-file">
        {text}
      </pre>
      <CopyButton text={text} label="Copy zone file" />
    </div>
  );
}

/** A TXT value as quoted strings of at most 255 bytes (a DKIM key needs two). */
function txtStrings(value: string): string {
  const bytes = new TextEncoder().encode(value);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) parts.push(new TextDecoder().decode(bytes.subarray(i, i + 255)));
  return parts.map((p) => `"${p.replace(/["\\]/g, "\\$&")}"`).join(" ");
}
