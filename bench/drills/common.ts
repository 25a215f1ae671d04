import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createDatabase, withClient, type BenchDatabase } from "../src/lib/postgres.js";
import type { Store } from "../src/lib/mailroom.js";

export interface DrillStore {
  store: Store;
  label: string;
  /** Every stored copy whose Message-ID starts with `prefix`: its raw bytes (server stopped for PGlite). */
  storedRaw(prefix: string): Promise<Map<string, Buffer[]>>;
  dispose(): Promise<void>;
}

export async function drillStore(kind: "postgres" | "pglite"): Promise<DrillStore> {
  const query =
    "select c.message_id, c.raw from messages m join message_contents c on c.id = m.content_id where c.message_id like $1";
  const collect = (rows: { message_id: string; raw: Uint8Array }[]) => {
    const out = new Map<string, Buffer[]>();
    for (const r of rows) out.set(r.message_id, [...(out.get(r.message_id) ?? []), Buffer.from(r.raw)]);
    return out;
  };
  if (kind === "postgres") {
    const db: BenchDatabase = await createDatabase("drill");
    return {
      store: { kind, url: db.url },
      label: "PostgreSQL",
      storedRaw: (prefix) => withClient(db.url, async (c) => collect((await c.query(query, [`${prefix}%`])).rows)),
      dispose: () => db.drop(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-drill-"));
  return {
    store: { kind, dataDir },
    label: "PGlite",
    async storedRaw(prefix) {
      const pglite = await PGlite.create(join(dataDir, "data"));
      try {
        return collect((await pglite.query<{ message_id: string; raw: Uint8Array }>(query, [`${prefix}%`])).rows);
      } finally {
        await pglite.close();
      }
    },
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export interface Verdict {
  acked: number;
  missing: number;
  mismatched: number;
  duplicates: number;
  storedUnacked: number;
}

/**
 * Every acknowledged message must be stored byte for byte: the stored raw is the server's added
 * headers followed by exactly the bytes sent (CRLF line ends, dot-stuffing undone).
 */
export function verify(sent: Buffer[], ids: string[], acked: boolean[], stored: Map<string, Buffer[]>): Verdict {
  const v: Verdict = { acked: 0, missing: 0, mismatched: 0, duplicates: 0, storedUnacked: 0 };
  for (let i = 0; i < sent.length; i++) {
    const copies = stored.get(ids[i]!) ?? [];
    if (copies.length > 1) v.duplicates += copies.length - 1;
    if (!acked[i]) {
      if (copies.length > 0) v.storedUnacked++;
      continue;
    }
    v.acked++;
    if (copies.length === 0) {
      v.missing++;
      continue;
    }
    const wire = sent[i]!;
    const exact = copies.some((raw) => raw.length >= wire.length && raw.subarray(raw.length - wire.length).equals(wire));
    if (!exact) v.mismatched++;
  }
  return v;
}

export function describeVerdict(v: Verdict): string {
  return `${v.acked} acknowledged, ${v.missing} missing, ${v.mismatched} not byte-identical, ${v.duplicates} duplicate copies, ${v.storedUnacked} stored without a 250 seen`;
}
