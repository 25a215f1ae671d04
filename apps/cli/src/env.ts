/** The CLI's only reader of process.env. */
export function cliEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    url: env.MAILROOM_URL || "http://127.0.0.1:3000",
    apiKey: env.MAILROOM_API_KEY || undefined,
    /** A file holding the key: keeps the secret out of argv, shell history and pnpm's command banner. */
    apiKeyFile: env.MAILROOM_API_KEY_FILE || undefined,
    /** A terminal that cannot redraw a line (TERM=dumb) or a CI log gets no spinner. */
    plainTerminal: env.TERM === "dumb" || Boolean(env.CI),
  };
}
