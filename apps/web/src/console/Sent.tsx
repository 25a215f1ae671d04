import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatDate, useTRPC } from "../api";
import { ErrorNote, Loading, StatusBadge } from "../ui";

/** Sent messages, each with every recipient's delivery and the last SMTP reply. */
export function Sent() {
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.sent.list.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: (page) => page.next_cursor ?? undefined }),
  );
  const [open, setOpen] = useState<string | null>(null);
  const messages = list.data?.pages.flatMap((p) => p.messages) ?? [];
  return (
    <section aria-label="Sent messages">
      {list.isPending && <Loading what="sent messages" />}
      <ErrorNote error={list.error} />
      {list.data && messages.length === 0 && <p className="muted">Nothing sent yet.</p>}
      <ul className="plain">
        {messages.map((m) => (
          <li key={m.id} className="card">
            <button
              type="button"
              className="link-like"
              aria-expanded={open === m.id}
              onClick={() => setOpen(open === m.id ? null : m.id)}
            >
              <StatusBadge status={m.status} /> <strong>{m.subject || "(no subject)"}</strong> — {m.from} → {m.to.join(", ")}
              <span className="muted">
                {" "}
                · {formatDate(m.created_at)} · {m.source}
              </span>
            </button>
            {open === m.id && <Deliveries id={m.id} />}
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Older messages
        </button>
      )}
    </section>
  );
}

function Deliveries({ id }: { id: string }) {
  const trpc = useTRPC();
  const message = useQuery(trpc.messages.get.queryOptions({ id }, { refetchInterval: 10_000 }));
  if (message.isPending) return <Loading what="deliveries" />;
  if (message.error) return <ErrorNote error={message.error} />;
  const data = message.data;
  if (!("deliveries" in data)) return null;
  return (
    <div className="table-wrap">
      <table>
        <caption>Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Recipient</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last SMTP reply</th>
            <th scope="col">Next attempt</th>
          </tr>
        </thead>
        <tbody>
          {data.deliveries.map((d) => (
            <tr key={d.recipient}>
              <td>
                {d.recipient}
                {d.hosted && <span className="badge">hosted</span>}
              </td>
              <td>
                <StatusBadge status={d.status} />
              </td>
              <td>{d.attempts}</td>
              <td>
                <code className="break">{d.last_response ?? "—"}</code>
              </td>
              <td>{formatDate(d.next_attempt_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
