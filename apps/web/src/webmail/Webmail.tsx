import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { formatDate, type MailboxSession, type RouterOutputs, signOutMailbox, useTRPC } from "../api";
import { ErrorNote, Loading } from "../ui";
import { Compose, type Draft } from "./Compose";
import { MessageView } from "./MessageView";

type InboxMessage = RouterOutputs["inbox"]["list"]["messages"][number];

const PAGE_SIZE = 50;
/** How often the list is fetched again when the event stream is not there. */
const POLL_MS = 10_000;

type Pane = { kind: "list" } | { kind: "message"; id: string } | { kind: "compose"; draft: Draft };

export default function Webmail({ session, onSignOut }: { session: MailboxSession; onSignOut: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mailboxId = session.mailbox.id;
  const [folder, setFolder] = useState("INBOX");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [search, setSearch] = useState("");
  const [pane, setPane] = useState<Pane>({ kind: "list" });
  const live = useNewMailStream(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.inbox.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.folders.list.queryKey() });
  });

  const cursor = cursors.at(-1);
  const folders = useQuery(
    trpc.folders.list.queryOptions({ id: mailboxId }, { refetchInterval: live === "stream" ? false : POLL_MS }),
  );
  const list = useQuery(
    trpc.inbox.list.queryOptions(
      {
        account_id: mailboxId,
        limit: PAGE_SIZE,
        ...(folder !== "INBOX" ? { folder } : {}),
        ...(cursor ? { cursor } : {}),
        ...(unreadOnly ? { unread: "true" as const } : {}),
      },
      { refetchInterval: live === "stream" ? false : POLL_MS },
    ),
  );

  const needle = search.trim().toLowerCase();
  const messages = (list.data?.messages ?? []).filter(
    (m) =>
      !needle ||
      m.subject.toLowerCase().includes(needle) ||
      m.from.toLowerCase().includes(needle) ||
      (m.from_name ?? "").toLowerCase().includes(needle),
  );

  const openFolder = (name: string) => {
    setFolder(name);
    setCursors([undefined]);
    setPane({ kind: "list" });
  };

  return (
    <div className={`webmail pane-${pane.kind}`}>
      <a className="skip" href="#messages">
        Skip to messages
      </a>
      <header className="topbar">
        <strong>Mailroom</strong>
        <span className="break" data-testid="mailbox-address">
          {session.mailbox.address}
        </span>
        <span className="muted live" aria-live="polite" data-testid="live">
          {live === "stream" ? "live" : live === "connecting" ? "connecting…" : "checking every 10 s"}
        </span>
        <button type="button" className="primary" onClick={() => setPane({ kind: "compose", draft: { mode: "new" } })}>
          Compose
        </button>
        <button
          type="button"
          onClick={async () => {
            try {
              await signOutMailbox(session.csrf_token);
            } finally {
              onSignOut();
            }
          }}
        >
          Sign out
        </button>
      </header>

      <nav className="folders" aria-label="Folders">
        <ErrorNote error={folders.error} />
        <ul className="plain">
          {(folders.data?.folders ?? [{ id: "inbox", name: "INBOX", unseen: 0, total: 0 }]).map((f) => (
            <li key={f.id}>
              <button type="button" aria-current={f.name === folder ? "page" : undefined} onClick={() => openFolder(f.name)}>
                <span>{f.name === "INBOX" ? "Inbox" : f.name}</span>
                {f.unseen > 0 && (
                  <span className="count">
                    {f.unseen}
                    <span className="visually-hidden"> unread</span>
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </nav>

      <section className="list" aria-label={`Messages in ${folder === "INBOX" ? "Inbox" : folder}`}>
        <div className="list-tools">
          <label className="visually-hidden" htmlFor="search">
            Search this page by subject or sender
          </label>
          <input
            id="search"
            type="search"
            placeholder="Search subject or sender"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={unreadOnly}
              onChange={(e) => {
                setUnreadOnly(e.target.checked);
                setCursors([undefined]);
              }}
            />{" "}
            Unread
          </label>
        </div>
        {list.isPending && <Loading what="messages" />}
        <ErrorNote error={list.error} />
        <MessageList
          messages={messages}
          selected={pane.kind === "message" ? pane.id : null}
          onOpen={(id) => setPane({ kind: "message", id })}
        />
        {list.data && messages.length === 0 && (
          <p className="muted">{needle ? "No message on this page matches." : "No messages."}</p>
        )}
        <div className="row pager">
          <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </button>
          <button
            type="button"
            disabled={!list.data?.next_cursor}
            onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}
          >
            Older
          </button>
        </div>
      </section>

      <section className="reader" aria-label="Reading pane">
        {pane.kind === "message" && (
          <MessageView
            key={pane.id}
            id={pane.id}
            folders={folders.data?.folders.map((f) => f.name) ?? []}
            onClose={() => setPane({ kind: "list" })}
            onReply={(draft) => setPane({ kind: "compose", draft })}
          />
        )}
        {pane.kind === "compose" && (
          <Compose
            from={session.mailbox.address}
            draft={pane.draft}
            onDone={() => {
              void queryClient.invalidateQueries({ queryKey: trpc.folders.list.queryKey() });
              setPane({ kind: "list" });
            }}
          />
        )}
        {pane.kind === "list" && <p className="muted center">Choose a message, or write one.</p>}
      </section>
    </div>
  );
}

/** Rows are buttons; the arrow keys move between them, Home and End to the ends. */
function MessageList({
  messages,
  selected,
  onOpen,
}: {
  messages: InboxMessage[];
  selected: string | null;
  onOpen: (id: string) => void;
}) {
  const listRef = useRef<HTMLUListElement>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const buttons = [...(listRef.current?.querySelectorAll<HTMLButtonElement>("button.message-row") ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next =
      e.key === "ArrowDown" || e.key === "j"
        ? Math.min(at + 1, buttons.length - 1)
        : e.key === "ArrowUp" || e.key === "k"
          ? Math.max(at - 1, 0)
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? buttons.length - 1
              : -1;
    if (next < 0 || buttons.length === 0) return;
    e.preventDefault();
    buttons[next]?.focus();
  };
  return (
    <ul className="plain messages" id="messages" ref={listRef} onKeyDown={onKeyDown} data-testid="message-list">
      {messages.map((m) => (
        <li key={m.id}>
          <button
            type="button"
            className={`message-row${m.seen ? "" : " unread"}`}
            aria-current={m.id === selected ? "true" : undefined}
            aria-label={`${m.seen ? "" : "Unread. "}From ${m.from_name ?? m.from}. ${m.subject || "No subject"}. ${formatDate(m.date)}`}
            onClick={() => onOpen(m.id)}
            data-testid="message-row"
          >
            <span className="from">{m.from_name ?? m.from ?? "(unknown sender)"}</span>
            <span className="date">{formatDate(m.date)}</span>
            <span className="subject">
              {m.has_attachments && <span aria-hidden="true">📎 </span>}
              {m.subject || "(no subject)"}
            </span>
            <span className="preview muted">{m.preview}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * The mailbox's message.received events over Server-Sent Events (the session cookie goes along);
 * "polling" when the stream cannot be had, so new mail still shows within POLL_MS.
 */
function useNewMailStream(onMessage: () => void): "connecting" | "stream" | "polling" {
  const [state, setState] = useState<"connecting" | "stream" | "polling">("connecting");
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setState("polling");
      return;
    }
    const stream = new EventSource("/api/v1/events/stream?type=message.received");
    stream.addEventListener("open", () => setState("stream"));
    stream.addEventListener("message.received", () => handler.current());
    // EventSource reconnects by itself after a dropped connection; it gives up (CLOSED) on a refusal.
    stream.addEventListener("error", () => setState(stream.readyState === EventSource.OPEN ? "stream" : "polling"));
    return () => stream.close();
  }, []);
  return state;
}
