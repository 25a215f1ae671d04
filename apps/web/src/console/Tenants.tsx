import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDate, useTRPC } from "../api";
import { ErrorNote, Field, Loading, SecretOnce } from "../ui";

const PLANS = ["free", "pro", "lifetime"] as const;

/** The admin key's view: tenants, and a key for any of them. */
export function Tenants() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.tenants.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tenants.list.queryKey() });
  const [secret, setSecret] = useState<{ title: string; key: string } | null>(null);
  const create = useMutation(
    trpc.tenants.create.mutationOptions({
      onSuccess: (t) => {
        setSecret({ title: `The first API key of ${t.name}`, key: t.api_key });
        void refresh();
      },
    }),
  );
  const createKey = useMutation(
    trpc.tenants.createKey.mutationOptions({ onSuccess: (k) => setSecret({ title: "The new API key", key: k.api_key }) }),
  );

  return (
    <section aria-label="Tenants">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          create.mutate(
            { name: String(data.get("name")).trim(), plan: data.get("plan") as (typeof PLANS)[number] },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field label="Tenant name">{(id) => <input id={id} name="name" required autoComplete="off" />}</Field>
        <Field label="Plan">
          {(id) => (
            <select id={id} name="plan">
              {PLANS.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create tenant
        </button>
      </form>
      {secret && <SecretOnce title={secret.title} secret={secret.key} onDone={() => setSecret(null)} />}
      <ErrorNote error={create.error ?? createKey.error ?? list.error} />
      {list.isPending && <Loading what="tenants" />}
      {list.data && (
        <div className="table-wrap">
          <table>
            <caption>{list.data.total} tenants</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Plan</th>
                <th scope="col">Created</th>
                <th scope="col">Id</th>
                <th scope="col">Keys</th>
              </tr>
            </thead>
            <tbody>
              {list.data.tenants.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.plan}</td>
                  <td>{formatDate(t.created_at)}</td>
                  <td>
                    <code>{t.id}</code>
                  </td>
                  <td>
                    <button type="button" className="small" onClick={() => createKey.mutate({ id: t.id })}>
                      Issue a key
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
