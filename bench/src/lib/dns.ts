import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import dnsPacket, { type Answer, type Packet } from "dns-packet";

const NXDOMAIN = 3;

/**
 * A DNS server on 127.0.0.1 (UDP only: the bench's answers are small) for MAILROOM_DNS_SERVERS, so
 * SPF/DKIM/DMARC look-ups during a benchmark never wait on the outside world. TXT records it is
 * given are answered; every other question gets NXDOMAIN at once.
 */
export class LoopbackDns {
  private constructor(
    private readonly socket: Socket,
    private readonly txt: Map<string, string>,
  ) {}

  static async start(txt: Record<string, string>): Promise<LoopbackDns> {
    const socket = createSocket("udp4");
    socket.bind(0, "127.0.0.1");
    await once(socket, "listening");
    const server = new LoopbackDns(socket, new Map(Object.entries(txt).map(([k, v]) => [k.toLowerCase(), v])));
    socket.on("message", (msg, rinfo) => {
      const answer = server.answer(msg);
      if (answer) socket.send(dnsPacket.encode(answer), rinfo.port, rinfo.address);
    });
    return server;
  }

  /** `127.0.0.1:<port>` */
  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(raw: Buffer): Packet | undefined {
    let query: Packet;
    try {
      query = dnsPacket.decode(raw);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (!question) return undefined;
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
    const base = { type: "response" as const, id: query.id ?? 0, questions: [question] };
    const value = question.type === "TXT" ? this.txt.get(question.name.toLowerCase().replace(/\.$/, "")) : undefined;
    if (value === undefined) return { ...base, flags: flags | NXDOMAIN, answers: [] };
    const answer: Answer = { type: "TXT", name: question.name, ttl: 300, class: "IN", data: [Buffer.from(value)] };
    return { ...base, flags, answers: [answer] };
  }
}

/** The sender domain every bench message comes from, with an SPF record that passes for 127.0.0.1. */
export const SENDER_DOMAIN = "sender.bench.test";
export const SENDER = `load@${SENDER_DOMAIN}`;
export const BENCH_DNS_RECORDS: Record<string, string> = {
  [SENDER_DOMAIN]: "v=spf1 ip4:127.0.0.0/8 -all",
  [`_dmarc.${SENDER_DOMAIN}`]: "v=DMARC1; p=none",
};
