export type Status = "met" | "missed" | "info" | "not available yet" | "error";

export interface Row {
  benchmark: string;
  /** Our figure, or undefined when not measured. */
  ours?: number | undefined;
  /** The peer or baseline compared with, e.g. "Haraka". */
  peer?: string | undefined;
  peerValue?: number | undefined;
  /** Shown instead of ours/peer, e.g. peer time / our time for rows in milliseconds. */
  ratio?: number | undefined;
  unit: string;
  target: string;
  status: Status;
  note?: string | undefined;
}

const fmt = (n: number | undefined, unit: string) =>
  n === undefined || !Number.isFinite(n)
    ? "—"
    : `${n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(n >= 10 ? 1 : 2)} ${unit}`;

/** met/missed from a predicate over ours, the ratio (ours/peer). */
export function judge(
  ours: number | undefined,
  peerValue: number | undefined,
  test: (ours: number, ratio: number) => boolean,
): Status {
  if (ours === undefined || !Number.isFinite(ours)) return "error";
  const ratio = peerValue ? ours / peerValue : Number.NaN;
  return test(ours, ratio) ? "met" : "missed";
}

export function ratioOf(row: Row): string {
  if (row.ratio !== undefined) return Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : "—";
  if (row.ours === undefined || !row.peerValue) return "—";
  return `${(row.ours / row.peerValue).toFixed(2)}×`;
}

/** One Markdown table: paste into the README as it is. */
export function renderTable(rows: Row[]): string {
  const head = ["benchmark", "ours", "vs", "theirs", "ratio", "target", "result"];
  const body = rows.map((r) => [
    r.benchmark,
    fmt(r.ours, r.unit),
    r.peer ?? "—",
    fmt(r.peerValue, r.unit),
    ratioOf(r),
    r.target,
    r.status + (r.note ? ` (${r.note})` : ""),
  ]);
  const lines = [head, head.map(() => "---"), ...body].map((cells) => `| ${cells.join(" | ")} |`);
  return lines.join("\n");
}

export function notAvailable(benchmark: string, what: string, target: string, unit = "msgs/s"): Row {
  return { benchmark, unit, target, status: "not available yet", note: what };
}

export function errorRow(benchmark: string, err: unknown, target = "—"): Row {
  const message = err instanceof Error ? err.message : String(err);
  return { benchmark, unit: "", target, status: "error", note: message.split("\n")[0]!.slice(0, 160) };
}
