import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** The user that logged in, when AUTH was used. */
  user: string | undefined;
}

/** What the fake answers to one message: 250, or an error reply (451, 550, …). */
export type Reply = { code: 250 } | { code: number; text: string };

/**
 * An in-process SMTP server on 127.0.0.1 playing a smarthost or a remote MX. `reply` decides each
 * message's answer at the end of DATA; only messages answered 250 are kept in `received`.
 */
export class FakeSmtp {
  readonly received: ReceivedMail[] = [];
  /** Every DATA answered, accepted or not. */
  attempts = 0;
  reply: (mail: ReceivedMail, attempt: number) => Reply | Promise<Reply> = () => ({ code: 250 });

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: { auth?: { user: string; pass: string } } = {}): Promise<FakeSmtp> {
    let fake: FakeSmtp | undefined;
    const server = new SMTPServer({
      disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      disableReverseLookup: true,
      onAuth(auth, _session, callback) {
        if (auth.username === options.auth?.user && auth.password === options.auth?.pass) {
          callback(null, { user: auth.username });
        } else callback(Object.assign(new Error("5.7.8 bad credentials"), { responseCode: 535 }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            user: session.user as string | undefined,
          };
          const self = fake!;
          self.attempts++;
          Promise.resolve(self.reply(mail, self.attempts)).then((r) => {
            if (r.code === 250) {
              self.received.push(mail);
              callback(null, "2.0.0 Ok: queued");
            } else callback(Object.assign(new Error((r as { text: string }).text), { responseCode: r.code }));
          });
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake = new FakeSmtp(server, (server.server.address() as AddressInfo).port);
    return fake;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Poll `check` until it returns something truthy (or fail after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
