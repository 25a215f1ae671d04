import Table from "cli-table3";
import { cliEnv } from "./env.js";

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

/**
 * Whether stderr can show a spinner: a terminal that is at least one column wide and can redraw a
 * line. A pseudo-terminal may report 0 columns (`script`, some CI runners); ora then counts the lines
 * it drew as width/0 = Infinity and clears them in a loop that never ends, holding a core and
 * ignoring every signal.
 */
export function canShowSpinner(): boolean {
  const stderr = process.stderr;
  return Boolean(stderr.isTTY) && (stderr.columns ?? 0) > 0 && !cliEnv().plainTerminal;
}

interface Spinner {
  stop(): void;
}

let active: Spinner | undefined;

/** Stop the spinner now (a signal is ending the process), restoring the cursor. */
export function stopSpinner(): void {
  active?.stop();
  active = undefined;
}

/** A spinner on stderr while a call runs, only when a person is watching a terminal that can show it. */
export async function withSpinner<T>(text: string, work: () => Promise<T>, options: OutputOptions = {}): Promise<T> {
  if (options.json || !canShowSpinner()) return work();
  // Loaded only here: a piped or scripted call never pays for it.
  const { default: ora } = await import("ora");
  // ora's own SIGINT handling is off: the CLI's handlers stop the spinner and end the process.
  const spinner = ora({ text, stream: process.stderr, discardStdin: false, hideCursor: true }).start();
  active = spinner;
  try {
    return await work();
  } finally {
    spinner.stop();
    if (active === spinner) active = undefined;
  }
}
