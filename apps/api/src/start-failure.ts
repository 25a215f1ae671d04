import { ConfigError, type MailroomConfig } from "@mailroom/contracts";

/** What the operator can fix, as one line and an exit code; undefined for anything else. */
export function startFailure(err: unknown, config: MailroomConfig): { code: number; message: string } | undefined {
  if (err instanceof ConfigError) return { code: 78, message: err.message };
  const busy = busyPortMessage(err, config);
  return busy ? { code: 1, message: busy } : undefined;
}

/** `PORT 3000 is already in use (set PORT to another port)`, for a listener that could not bind; else undefined. */
function busyPortMessage(err: unknown, config: MailroomConfig): string | undefined {
  const { code, port } = err as { code?: string; port?: number };
  if (code !== "EADDRINUSE" && code !== "EACCES") return undefined;
  const listeners: [string, number | null][] = [
    ["PORT", config.http.port],
    ["SMTP_PORT", config.smtp.port],
    ["SUBMISSION_PORT", config.smtp.submissionPort],
    ["POP3_PORT", config.pop3.port],
    ["POP3S_PORT", config.pop3.tlsPort],
  ];
  const variable = listeners.find(([, p]) => p === port)?.[0];
  if (!variable) return undefined;
  const problem = code === "EADDRINUSE" ? "is already in use" : "needs privileges this process does not have";
  return `${variable} ${port} ${problem} (set ${variable} to another port)`;
}
