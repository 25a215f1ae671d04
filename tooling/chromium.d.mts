/** Debian's chromium, or MAILROOM_CHROMIUM. */
export const CHROMIUM: string;
/** The launch options both the browser tests and the web bench use (playwright-core). */
export const CHROMIUM_LAUNCH: { executablePath: string; headless: true; args: string[] };
