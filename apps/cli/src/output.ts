import Table from "cli-table3";
import ora from "ora";

export interface OutputOptions {
  json?: boolean;
}

/** A table for people, JSON for scripts. */
export function printRows(rows: Record<string, unknown>[], columns: string[], options: OutputOptions, whole?: unknown): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(whole ?? rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write("(none)\n");
    return;
  }
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => formatCell(row[c])));
  process.stdout.write(`${table.toString()}\n`);
}

export function printObject(value: Record<string, unknown>, options: OutputOptions): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) process.stdout.write(`${k.padEnd(width)}  ${formatCell(v)}\n`);
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A spinner on stderr while a call runs, only when a person is watching. */
export async function withSpinner<T>(text: string, work: () => Promise<T>, options: OutputOptions = {}): Promise<T> {
  const spinner = process.stderr.isTTY && !options.json ? ora({ text, stream: process.stderr }).start() : undefined;
  try {
    const result = await work();
    spinner?.stop();
    return result;
  } catch (err) {
    spinner?.stop();
    throw err;
  }
}
