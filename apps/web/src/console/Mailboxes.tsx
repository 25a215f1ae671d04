import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDate, type RouterOutputs, useTRPC } from "../api";
import { ErrorNote, Field, Loading } from "../ui";

type Email = RouterOutputs["emails"]["list"]["data"]["emails"][number];

const TTLS = [
  { label: "never", seconds: undefined },
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86400 },
  { label: "7 days", seconds: 7 * 86400 },
  { label: "30 days", seconds: 30 * 86400 },
] as const;

/**
 * Both dialects' mailboxes are one model: listed through the temp-mail-style API (tag, pin, like,
 * search), created through either — a hosting-style account has a password (mail clients,
 * webmail), a temp-mail-style address a tag.
 */
export function Mailboxes() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState("");
  const [pinnedOnly, setPinnedOnly] = useState(false);
  const list = useQuery(
    trpc.emails.list.queryOptions({
      page,
      pageSize: 20,
      ...(search.trim() ? { search: search.trim() } : {}),
      ...(pinnedOnly ? { pin: "true" as const } : {}),
    }),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.emails.list.queryKey() });

  return (
    <section aria-label="Mailboxes">
      <CreateMailbox onCreated={refresh} />
      <div className="inline-form">
        <Field label="Search addresses">
          {(id) => (
            <input
              id={id}
              type="search"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setPage(1);
              }}
            />
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={pinnedOnly} onChange={(e) => setPinnedOnly(e.target.checked)} /> Pinned only
        </label>
      </div>
      {list.isPending && <Loading what="mailboxes" />}
      <ErrorNote error={list.error} />
      {list.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption>
                {list.data.data.total} mailbox{list.data.data.total === 1 ? "" : "es"}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Tag</th>
                  <th scope="col">Receiving</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.emails.map((m) => (
                  <MailboxRow key={m.id} mailbox={m} onChange={refresh} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="row">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              Previous page
            </button>
            <span>
              Page {page} of {Math.max(1, list.data.data.totalPages)}
            </span>
            <button type="button" disabled={page >= list.data.data.totalPages} onClick={() => setPage(page + 1)}>
              Next page
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function CreateMailbox({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const [kind, setKind] = useState<"account" | "email">("account");
  const systemDomains = useQuery(trpc.systemDomains.list.queryOptions());
  const ownDomains = useQuery(trpc.domains.list.queryOptions({ limit: 100 }));
  const createAccount = useMutation(trpc.accounts.create.mutationOptions({ onSuccess: onCreated }));
  const createEmail = useMutation(trpc.emails.create.mutationOptions({ onSuccess: onCreated }));
  const [created, setCreated] = useState<string | null>(null);
  const domains = [
    ...(systemDomains.data?.domains.filter((d) => d.available).map((d) => d.domain) ?? []),
    ...(ownDomains.data?.domains.map((d) => d.domain) ?? []),
  ];

  return (
    <form
      className="card"
      aria-label="Create a mailbox"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        const username = String(data.get("username")).trim();
        const domain = String(data.get("domain"));
        const ttl = TTLS[Number(data.get("ttl"))]?.seconds;
        const done = (address: string) => {
          setCreated(address);
          form.reset();
        };
        if (kind === "account") {
          createAccount.mutate(
            { username, domain, password: String(data.get("password")), ...(ttl ? { expires_in: ttl } : {}) },
            { onSuccess: (a) => done(a.email) },
          );
        } else {
          const tag = String(data.get("tag") ?? "").trim();
          createEmail.mutate(
            { email: `${username}@${domain}`, ...(tag ? { tag } : {}), ...(ttl ? { expiresIn: ttl } : {}) },
            { onSuccess: (r) => done(r.data.email) },
          );
        }
      }}
    >
      <h2>New mailbox</h2>
      <fieldset className="row">
        <legend>Kind</legend>
        <label className="check">
          <input type="radio" name="kind" checked={kind === "account"} onChange={() => setKind("account")} /> Account with a
          password (webmail, IMAP, SMTP)
        </label>
        <label className="check">
          <input type="radio" name="kind" checked={kind === "email"} onChange={() => setKind("email")} /> Address with a tag (API
          only)
        </label>
      </fieldset>
      <div className="grid">
        <Field label="Name">{(id) => <input id={id} name="username" required autoComplete="off" minLength={4} />}</Field>
        <Field label="Domain">
          {(id) => (
            <select id={id} name="domain" required>
              {domains.map((d) => (
                <option key={d} value={d}>
                  @{d}
                </option>
              ))}
            </select>
          )}
        </Field>
        {kind === "account" ? (
          <Field label="Password">
            {(id) => <input id={id} name="password" type="password" required minLength={8} autoComplete="new-password" />}
          </Field>
        ) : (
          <Field label="Tag">{(id) => <input id={id} name="tag" autoComplete="off" />}</Field>
        )}
        <Field label="Expires after">
          {(id) => (
            <select id={id} name="ttl" defaultValue="0">
              {TTLS.map((t, i) => (
                <option key={t.label} value={i}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <button type="submit" className="primary" disabled={createAccount.isPending || createEmail.isPending}>
        Create mailbox
      </button>
      {created && (
        <p role="status" className="ok">
          Created {created}
        </p>
      )}
      <ErrorNote error={createAccount.error ?? createEmail.error ?? systemDomains.error} />
    </form>
  );
}

function MailboxRow({ mailbox, onChange }: { mailbox: Email; onChange: () => void }) {
  const trpc = useTRPC();
  const update = useMutation(trpc.emails.update.mutationOptions({ onSuccess: onChange }));
  const remove = useMutation(trpc.emails.delete.mutationOptions({ onSuccess: onChange }));
  const setPassword = useMutation(trpc.accounts.update.mutationOptions());
  return (
    <tr data-testid="mailbox-row">
      <td>
        <span className="break">{mailbox.email}</span>
        {mailbox.pin && <span className="badge">pinned</span>}
        {mailbox.like && <span className="badge">liked</span>}
      </td>
      <td>{mailbox.tag ?? "—"}</td>
      <td>{mailbox.receiving ? "yes" : "no"}</td>
      <td>{mailbox.expiresAt ? formatDate(mailbox.expiresAt) : "never"}</td>
      <td>
        <div className="row">
          <button type="button" className="small" onClick={() => update.mutate({ id: mailbox.id, pin: !mailbox.pin })}>
            {mailbox.pin ? "Unpin" : "Pin"}
          </button>
          <button type="button" className="small" onClick={() => update.mutate({ id: mailbox.id, like: !mailbox.like })}>
            {mailbox.like ? "Unlike" : "Like"}
          </button>
          <button
            type="button"
            className="small"
            onClick={() => {
              const password = prompt(`New password for ${mailbox.email} (at least 8 characters)`);
              if (password) setPassword.mutate({ id: mailbox.id, password });
            }}
          >
            Set password
          </button>
          <button
            type="button"
            className="small danger"
            onClick={() => {
              if (confirm(`Delete ${mailbox.email} and all its mail?`)) remove.mutate({ id: mailbox.id });
            }}
          >
            Delete
          </button>
        </div>
        {setPassword.isSuccess && <small className="ok">Password set</small>}
        <ErrorNote error={update.error ?? remove.error ?? setPassword.error} />
      </td>
    </tr>
  );
}
