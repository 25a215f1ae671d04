import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDate, type RouterOutputs, useTRPC } from "../api";
import { ErrorNote, Field, Loading, SecretOnce, StatusBadge } from "../ui";

type Webhook = RouterOutputs["webhooks"]["list"]["webhooks"][number];

export function Webhooks() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.webhooks.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: (w) => {
        setSecret(w.secret);
        void refresh();
      },
    }),
  );

  return (
    <section aria-label="Webhooks">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          const description = String(data.get("description")).trim();
          create.mutate(
            { url: String(data.get("url")).trim(), ...(description ? { description } : {}) },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field label="Endpoint URL">
          {(id) => <input id={id} name="url" type="url" required placeholder="https://hooks.example.com/mailroom" />}
        </Field>
        <Field label="Description">{(id) => <input id={id} name="description" />}</Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Add webhook (every event)
        </button>
      </form>
      {secret && <SecretOnce title="The endpoint's signing secret" secret={secret} onDone={() => setSecret(null)} />}
      <ErrorNote error={create.error ?? list.error} />
      {list.isPending && <Loading what="webhooks" />}
      {list.data?.webhooks.length === 0 && <p className="muted">No webhook endpoints.</p>}
      {list.data?.webhooks.map((w) => (
        <WebhookCard key={w.id} webhook={w} onChange={refresh} />
      ))}
    </section>
  );
}

function WebhookCard({ webhook, onChange }: { webhook: Webhook; onChange: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [showLog, setShowLog] = useState(false);
  const deliveries = useQuery(trpc.webhooks.deliveries.queryOptions({ id: webhook.id, limit: 25 }, { enabled: showLog }));
  const refreshLog = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.queryKey({ id: webhook.id }) });
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: onChange }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: onChange }));
  const test = useMutation(trpc.webhooks.test.mutationOptions({ onSuccess: refreshLog }));
  const retry = useMutation(trpc.webhooks.retryDelivery.mutationOptions({ onSuccess: refreshLog }));
  const replay = useMutation(trpc.webhooks.replay.mutationOptions({ onSuccess: refreshLog }));

  return (
    <article className="card" aria-label={`Webhook ${webhook.url}`}>
      <header className="card-head">
        <h2 className="break">{webhook.url}</h2>
        <StatusBadge status={webhook.enabled ? "enabled" : "disabled"} />
      </header>
      {webhook.description && <p>{webhook.description}</p>}
      <p className="muted">Events: {webhook.events.join(", ")}</p>
      {webhook.disabled_reason && <p className="warning">Disabled: {webhook.disabled_reason}</p>}
      <div className="row">
        <button type="button" onClick={() => test.mutate({ id: webhook.id })} disabled={test.isPending}>
          Send a test event
        </button>
        <button type="button" onClick={() => update.mutate({ id: webhook.id, enabled: !webhook.enabled })}>
          {webhook.enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" onClick={() => setShowLog(!showLog)} aria-expanded={showLog}>
          {showLog ? "Hide deliveries" : "Delivery log"}
        </button>
        <button
          type="button"
          onClick={() => replay.mutate({ id: webhook.id, since: new Date(Date.now() - 24 * 3600_000).toISOString() })}
        >
          Replay the last 24 h
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (confirm(`Delete the webhook to ${webhook.url} and its delivery log?`)) remove.mutate({ id: webhook.id });
          }}
        >
          Delete
        </button>
      </div>
      {test.data && (
        <p role="status" className={test.data.success ? "ok" : "error"}>
          Test: {test.data.success ? "delivered" : "failed"} · HTTP {test.data.http_status ?? "—"} · {test.data.duration_ms} ms
          {test.data.error ? ` · ${test.data.error}` : ""}
        </p>
      )}
      {replay.data && <p role="status">Queued {replay.data.queued} deliveries again.</p>}
      <ErrorNote error={update.error ?? remove.error ?? test.error ?? retry.error ?? replay.error ?? deliveries.error} />
      {showLog && deliveries.isPending && <Loading what="deliveries" />}
      {showLog && deliveries.data && (
        <div className="table-wrap">
          <table>
            <caption>Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{d.event_type}</td>
                  <td>
                    <StatusBadge status={d.status} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>
                    {d.last_http_status ? `HTTP ${d.last_http_status}` : "—"}
                    {d.last_error && <small className="block break">{d.last_error}</small>}
                  </td>
                  <td>{formatDate(d.created_at)}</td>
                  <td>
                    <button
                      type="button"
                      className="small"
                      onClick={() => retry.mutate({ id: webhook.id, delivery_id: d.id })}
                      disabled={retry.isPending}
                    >
                      Retry now
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
