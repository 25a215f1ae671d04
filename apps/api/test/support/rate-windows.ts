/**
 * Rate-limit and login-throttle counts live in whole clock minutes: a test that counts to a limit
 * must not start in a window's last seconds, or its counts split across two windows.
 */
export async function awaitFreshWindow(needSeconds = 10): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 60_000 - needSeconds * 1000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
}
