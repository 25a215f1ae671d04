/** The CLI's only reader of process.env. */
export function cliEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    url: env.MAILROOM_URL || "http://127.0.0.1:3000",
    apiKey: env.MAILROOM_API_KEY || undefined,
  };
}
