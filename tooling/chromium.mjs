// Debian's chromium as the browser tests and the web bench launch it: one path and one set of flags.
// As root it needs --no-sandbox; the rest keep it from reaching for Google's hosts on a closed network.

export const CHROMIUM = process.env.MAILROOM_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
