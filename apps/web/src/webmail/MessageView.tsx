import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { fetchBytes, formatBytes, formatDate, type RouterOutputs, useTRPC } from "../api";
import { CopyButton, ErrorNote, Loading } from "../ui";
import type { Draft } from "./Compose";

type AnyMessage = RouterOutputs["messages"]["get"];
export type ReceivedMessage = Exclude<AnyMessage, { direction: "outbound" }>;
type Address = ReceivedMessage["to"][number];

export function MessageView({
  id,
  folders,
  onClose,
  onReply,
}: {
  id: string;
  folders: string[];
  onClose: () => void;
  onReply: (draft: Draft) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery(trpc.messages.get.queryOptions({ id }));
  const [remoteImages, setRemoteImages] = useState(false);
  const [source, setSource] = useState<string | null>(null);
  const [sourceError, setSourceError] = useState<unknown>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const refreshLists = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.inbox.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.folders.list.queryKey() });
  };
  const update = useMutation(trpc.messages.update.mutationOptions({ onSuccess: refreshLists }));
  const remove = useMutation(
    trpc.messages.delete.mutationOptions({
      onSuccess: () => {
        refreshLists();
        onClose();
      },
    }),
  );

  const message = query.data && !("deliveries" in query.data) ? query.data : undefined;

  // Opening a message reads it, as in any mail client.
  const markedSeen = useRef(false);
  useEffect(() => {
    if (message && !message.seen && !markedSeen.current) {
      markedSeen.current = true;
      update.mutate({ id: message.id, seen: true });
    }
  }, [message, update]);

  useEffect(() => {
    if (message) heading.current?.focus();
  }, [message]);

  if (query.isPending) return <Loading what="the message" />;
  if (query.error) return <ErrorNote error={query.error} />;
  if (!message) return <p>This is a sent message; see it in the Sent folder.</p>;

  const base = `/api/v1/messages/${encodeURIComponent(message.id)}`;
  const auth = message.auth_results;
  return (
    <article
      className="message"
      aria-labelledby="message-subject"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <div className="row actions">
        <button type="button" className="back" onClick={onClose}>
          ← Back
        </button>
        <button type="button" onClick={() => onReply({ mode: "reply", original: message })}>
          Reply
        </button>
        <button type="button" onClick={() => onReply({ mode: "replyAll", original: message })}>
          Reply all
        </button>
        <button type="button" onClick={() => onReply({ mode: "forward", original: message })}>
          Forward
        </button>
        <button type="button" onClick={() => update.mutate({ id: message.id, seen: false })}>
          Mark unread
        </button>
        <label className="visually-hidden" htmlFor="move-to">
          Move to folder
        </label>
        <select
          id="move-to"
          value=""
          onChange={(e) => {
            if (e.target.value) update.mutate({ id: message.id, folder: e.target.value }, { onSuccess: onClose });
          }}
        >
          <option value="">Move to…</option>
          {folders
            .filter((f) => f !== message.folder)
            .map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
        </select>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (confirm("Delete this message?")) remove.mutate({ id: message.id });
          }}
        >
          Delete
        </button>
      </div>
      <ErrorNote error={update.error ?? remove.error} />

      <h2 id="message-subject" tabIndex={-1} ref={heading}>
        {message.subject || "(no subject)"}
      </h2>
      <dl className="headers">
        <dt>From</dt>
        <dd>{formatAddress({ address: message.from, name: message.from_name })}</dd>
        <dt>To</dt>
        <dd>{message.to.map(formatAddress).join(", ")}</dd>
        {message.cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd>{message.cc.map(formatAddress).join(", ")}</dd>
          </>
        )}
        <dt>Date</dt>
        <dd>{formatDate(message.date)}</dd>
        <dt>Checks</dt>
        <dd className="verdicts" data-testid="auth-results">
          <Verdict name="SPF" result={auth.spf.result} detail={auth.spf.domain} />
          <Verdict
            name="DKIM"
            result={auth.dkim[0]?.result ?? "none"}
            detail={
              auth.dkim
                .map((d) => d.domain)
                .filter(Boolean)
                .join(", ") || null
            }
          />
          <Verdict name="DMARC" result={auth.dmarc.result} detail={auth.dmarc.policy ? `policy ${auth.dmarc.policy}` : null} />
        </dd>
      </dl>

      {message.codes.length > 0 && (
        <section className="codes" aria-label="Codes found in this message">
          {message.codes.map((c) => (
            <span key={c} className="code">
              <code>{c}</code> <CopyButton text={c} label="Copy code" />
            </span>
          ))}
        </section>
      )}

      {message.html !== null ? (
        <div className="body-html">
          <div className="row">
            {remoteImages ? (
              <span className="muted">Remote images are shown: the senders can see that you opened this message.</span>
            ) : (
              <button type="button" className="small" onClick={() => setRemoteImages(true)}>
                Show remote images
              </button>
            )}
          </div>
          {/* No allow-scripts, no allow-forms, no allow-same-origin: the mail cannot run code, post, or reach this app. */}
          <iframe
            title="Message content"
            sandbox=""
            referrerPolicy="no-referrer"
            src={`${base}/html${remoteImages ? "?remote_images=true" : ""}`}
            data-testid="message-html"
          />
        </div>
      ) : (
        <pre className="body-text" data-testid="message-text">
          {message.text ?? ""}
        </pre>
      )}

      {message.attachments.length > 0 && (
        <section aria-label="Attachments">
          <h3>Attachments</h3>
          <ul className="plain attachments">
            {message.attachments.map((a) => (
              <li key={a.id}>
                <a href={`${base}/attachments/${encodeURIComponent(a.id)}`} download={a.filename ?? "attachment"}>
                  {a.filename ?? "attachment"}
                </a>{" "}
                <span className="muted">
                  {a.content_type}, {formatBytes(a.size)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {message.links.length > 0 && (
        <details>
          <summary>Links in this message ({message.links.length})</summary>
          <ul className="links">
            {message.links
              .filter((l) => /^https?:\/\//i.test(l.url))
              .map((l) => (
                <li key={l.url}>
                  <a href={l.url} target="_blank" rel="noopener noreferrer">
                    {l.text || l.url}
                  </a>{" "}
                  <span className="muted break">{l.text ? l.url : ""}</span>
                </li>
              ))}
          </ul>
        </details>
      )}

      <details
        onToggle={(e) => {
          if (!(e.currentTarget as HTMLDetailsElement).open || source !== null) return;
          fetchBytes(`/messages/${encodeURIComponent(message.id)}/raw`, undefined)
            .then((blob) => blob.text())
            .then(setSource, setSourceError);
        }}
      >
        <summary>Raw source</summary>
        <ErrorNote error={sourceError} />
        {source === null ? <Loading what="the source" /> : <pre className="raw">{source}</pre>}
        <a href={`${base}/raw`} download={`${message.id}.eml`}>
          Download .eml
        </a>
      </details>
    </article>
  );
}

function Verdict({ name, result, detail }: { name: string; result: string; detail: string | null }) {
  const tone = result === "pass" ? "ok" : result === "fail" || result === "softfail" ? "error" : "muted";
  return (
    <span className={`verdict ${tone}`}>
      {name}: {result}
      {detail ? ` (${detail})` : ""}
    </span>
  );
}

export function formatAddress(a: Address): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}
