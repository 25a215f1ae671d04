import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDate, useTRPC } from "../api";
import { ErrorNote, Field, Loading, SecretOnce } from "../ui";

export function Keys() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.keys.list.queryOptions());
  const me = useQuery(trpc.keys.whoami.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.keys.list.queryKey() });
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: (k) => {
        setSecret(k.api_key);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.keys.revoke.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-label="API keys">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const name = String(new FormData(form).get("name")).trim();
          create.mutate(name ? { name } : {}, { onSuccess: () => form.reset() });
        }}
      >
        <Field label="Name of the new key">{(id) => <input id={id} name="name" autoComplete="off" />}</Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {secret && <SecretOnce title="Your new API key" secret={secret} onDone={() => setSecret(null)} />}
      <ErrorNote error={create.error ?? revoke.error ?? list.error} />
      {list.isPending && <Loading what="keys" />}
      {list.data && (
        <div className="table-wrap">
          <table>
            <caption>Active keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name ?? "—"}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{formatDate(k.created_at)}</td>
                  <td>{formatDate(k.last_used_at)}</td>
                  <td>
                    {k.id === me.data?.key_id ? (
                      <span className="muted">this session's key</span>
                    ) : (
                      <button
                        type="button"
                        className="small danger"
                        onClick={() => {
                          if (confirm(`Revoke ${k.name ?? k.prefix}? Programs using it stop working at once.`))
                            revoke.mutate({ id: k.id });
                        }}
                      >
                        Revoke
                      </button>
                    )}
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
