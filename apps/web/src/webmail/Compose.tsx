import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { fetchBytes, formatBytes, toBase64, useTRPC } from "../api";
import { ErrorNote, Field } from "../ui";
import { formatAddress, type ReceivedMessage } from "./MessageView";

export type Draft = { mode: "new" } | { mode: "reply" | "replyAll" | "forward"; original: ReceivedMessage };

interface Prefill {
  to: string;
  cc: string;
  subject: string;
  text: string;
}

function prefill(draft: Draft, from: string): Prefill {
  if (draft.mode === "new") return { to: "", cc: "", subject: "", text: "" };
  const m = draft.original;
  const quoted = (m.text ?? "")
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
  const sender = formatAddress({ address: m.from, name: m.from_name });
  if (draft.mode === "forward") {
    return {
      to: "",
      cc: "",
      subject: /^fwd?:/i.test(m.subject) ? m.subject : `Fwd: ${m.subject}`,
      text: `\n\n---------- Forwarded message ----------\nFrom: ${sender}\nDate: ${m.date}\nSubject: ${m.subject}\nTo: ${m.to.map(formatAddress).join(", ")}\n\n${m.text ?? ""}`,
    };
  }
  const replyTo = m.reply_to.length > 0 ? m.reply_to.map((a) => a.address) : [m.from];
  const others =
    draft.mode === "replyAll"
      ? [...m.to, ...m.cc].map((a) => a.address).filter((a) => a !== from.toLowerCase() && !replyTo.includes(a))
      : [];
  return {
    to: replyTo.join(", "),
    cc: others.join(", "),
    subject: /^re:/i.test(m.subject) ? m.subject : `Re: ${m.subject}`,
    text: `\n\nOn ${new Date(m.date).toLocaleString()}, ${sender} wrote:\n${quoted}`,
  };
}

const addresses = (value: string) =>
  value
    .split(/[,;\n]/)
    .map((a) => a.trim())
    .filter(Boolean);

/** New mail, a reply or a forward, sent through the send route from this mailbox's own address. */
export function Compose({ from, draft, onDone }: { from: string; draft: Draft; onDone: () => void }) {
  const trpc = useTRPC();
  const initial = prefill(draft, from);
  const original = draft.mode === "new" ? undefined : draft.original;
  // A forward carries the original's attachments unless they are taken off.
  const [forwarded, setForwarded] = useState(draft.mode === "forward" ? (original?.attachments ?? []) : []);
  const [files, setFiles] = useState<File[]>([]);
  const [preparing, setPreparing] = useState<unknown>(null);
  const send = useMutation(trpc.send.send.mutationOptions({ onSuccess: onDone }));
  const title = draft.mode === "new" ? "New message" : draft.mode === "forward" ? "Forward" : "Reply";

  return (
    <form
      className="compose"
      aria-label={title}
      onSubmit={async (e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        setPreparing(null);
        try {
          const attachments = [
            ...(await Promise.all(
              forwarded.map(async (a) => ({
                filename: a.filename ?? "attachment",
                content: await toBase64(
                  await fetchBytes(
                    `/messages/${encodeURIComponent(original!.id)}/attachments/${encodeURIComponent(a.id)}`,
                    undefined,
                  ),
                ),
                ...(validType(a.content_type) ? { content_type: a.content_type } : {}),
              })),
            )),
            ...(await Promise.all(
              files.map(async (f) => ({
                filename: f.name,
                content: await toBase64(f),
                ...(validType(f.type) ? { content_type: f.type } : {}),
              })),
            )),
          ];
          const cc = addresses(String(data.get("cc")));
          send.mutate({
            from,
            to: addresses(String(data.get("to"))),
            ...(cc.length > 0 ? { cc } : {}),
            subject: String(data.get("subject")),
            text: String(data.get("text")),
            ...(attachments.length > 0 ? { attachments } : {}),
          });
        } catch (err) {
          setPreparing(err);
        }
      }}
    >
      <h2>{title}</h2>
      <p className="muted">From {from}</p>
      <Field label="To" hint="Separate addresses with commas">
        {(id, hint) => <input id={id} name="to" defaultValue={initial.to} required aria-describedby={hint} autoComplete="off" />}
      </Field>
      <Field label="Cc">{(id) => <input id={id} name="cc" defaultValue={initial.cc} autoComplete="off" />}</Field>
      <Field label="Subject">{(id) => <input id={id} name="subject" defaultValue={initial.subject} />}</Field>
      <Field label="Message">
        {(id) => (
          <textarea
            id={id}
            name="text"
            rows={12}
            defaultValue={initial.text}
            // biome-ignore lint/a11y/noAutofocus: a reply starts at its text, like any mail client
            autoFocus={draft.mode !== "new"}
          />
        )}
      </Field>
      {forwarded.length > 0 && (
        <ul className="plain attachments" aria-label="Forwarded attachments">
          {forwarded.map((a) => (
            <li key={a.id}>
              {a.filename ?? "attachment"} <span className="muted">{formatBytes(a.size)}</span>{" "}
              <button type="button" className="small" onClick={() => setForwarded(forwarded.filter((f) => f.id !== a.id))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <Field label="Attach files">
        {(id) => (
          <input
            id={id}
            type="file"
            multiple
            onChange={(e) => setFiles([...files, ...Array.from(e.target.files ?? [])])}
            data-testid="attach"
          />
        )}
      </Field>
      {files.length > 0 && (
        <ul className="plain attachments" aria-label="Attached files">
          {files.map((f, i) => (
            <li key={`${f.name}-${f.size}-${f.lastModified}`}>
              {f.name} <span className="muted">{formatBytes(f.size)}</span>{" "}
              <button type="button" className="small" onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={send.isPending}>
          {send.isPending ? "Sending…" : "Send"}
        </button>
        <button type="button" onClick={onDone}>
          Discard
        </button>
      </div>
      <ErrorNote error={preparing ?? send.error} />
    </form>
  );
}

/** The send route takes type/subtype only; anything else goes as the server's default. */
function validType(type: string): boolean {
  return /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/.test(type);
}
