import { type ReactNode, useId, useState } from "react";
import { errorText } from "./api";

/** A failed call in the server's own words, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        } catch {
          // No clipboard (an insecure origin): the value stays selectable on the page.
        }
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}

/** A labelled input: the label names it for screen readers too. */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint && (
        <small id={hintId} className="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

/** A secret shown once: copy it now, it is not shown again. */
export function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  return (
    <div className="secret" role="status">
      <strong>{title}</strong>
      <p>Copy it now: it is shown only this once.</p>
      <code className="break" data-testid="secret">
        {secret}
      </code>
      <div className="row">
        <CopyButton text={secret} />
        <button type="button" className="small" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.replace(/[^a-z_]/gi, "")}`}>{status.replace(/_/g, " ")}</span>;
}
