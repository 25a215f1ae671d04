import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type AddressInfo, type Server } from "node:net";
import dnsPacket, { type Answer, type Packet, type Question } from "dns-packet";

/** One published record; names are absolute, TXT values are split into 255-byte strings as DNS does. */
export type ZoneRecord =
  | { type: "TXT"; value: string }
  | { type: "MX"; value: string; priority: number }
  | { type: "CNAME"; value: string }
  | { type: "A"; value: string }
  | { type: "AAAA"; value: string };

const SERVFAIL = 2;
const NXDOMAIN = 3;
const UDP_LIMIT = 512;

/**
 * An authoritative DNS server on 127.0.0.1 (UDP, and TCP for answers too big for a datagram) whose
 * zone tests change while it runs: publish, replace or remove records, or make a name SERVFAIL.
 */
export class TestDnsServer {
  private readonly records = new Map<string, ZoneRecord[]>();
  private readonly failing = new Set<string>();
  /** Every question asked, `TYPE name`, for tests that care what was looked up. */
  readonly queries: string[] = [];

  private constructor(
    private readonly udp: Socket,
    private readonly tcp: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<TestDnsServer> {
    const { udp, tcp } = await bindUdpAndTcp();
    const server = new TestDnsServer(udp, tcp, (tcp.address() as AddressInfo).port);
    udp.on("message", (msg, rinfo) => server.onUdp(msg, rinfo));
    tcp.on("connection", (socket) => {
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const length = buffered.readUInt16BE(0);
          const query = buffered.subarray(2, 2 + length);
          buffered = buffered.subarray(2 + length);
          const answer = server.answer(query, Infinity);
          if (answer) socket.write(dnsPacket.streamEncode(answer));
        }
      });
      socket.on("error", () => socket.destroy());
    });
    return server;
  }

  /** `127.0.0.1:<port>`, for MAILROOM_DNS_SERVERS. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Replace everything of `type` at `name` (an empty list removes it). */
  set(name: string, type: ZoneRecord["type"], records: ZoneRecord[]): void {
    const key = normalise(name);
    const kept = (this.records.get(key) ?? []).filter((r) => r.type !== type);
    const next = [...kept, ...records];
    if (next.length === 0) this.records.delete(key);
    else this.records.set(key, next);
  }

  add(name: string, record: ZoneRecord): void {
    const key = normalise(name);
    this.records.set(key, [...(this.records.get(key) ?? []), record]);
  }

  /** Answer SERVFAIL for every question about `name` (or stop, with `false`). */
  servfail(name: string, on = true): void {
    if (on) this.failing.add(normalise(name));
    else this.failing.delete(normalise(name));
  }

  /** Forget every record at and under `domain`. */
  clear(domain: string): void {
    const d = normalise(domain);
    for (const key of [...this.records.keys()]) if (key === d || key.endsWith(`.${d}`)) this.records.delete(key);
    for (const key of [...this.failing]) if (key === d || key.endsWith(`.${d}`)) this.failing.delete(key);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private onUdp(msg: Buffer, rinfo: RemoteInfo): void {
    const query = safeDecode(msg);
    const edns = query?.additionals?.find((a) => a.type === "OPT") as { udpPayloadSize?: number } | undefined;
    const answer = this.answer(msg, Math.max(UDP_LIMIT, edns?.udpPayloadSize ?? 0));
    if (answer) this.udp.send(dnsPacket.encode(answer), rinfo.port, rinfo.address);
  }

  /** The response packet for a raw query; truncated (TC, no answers) when over `limit` bytes. */
  private answer(raw: Buffer, limit: number): Packet | undefined {
    const query = safeDecode(raw);
    const question = query?.questions?.[0];
    if (!query || !question) return undefined;
    const name = normalise(question.name);
    this.queries.push(`${question.type} ${name}`);
    const base = { type: "response" as const, id: query.id ?? 0, questions: [question] };
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
    if (this.failing.has(name)) return { ...base, flags: flags | SERVFAIL, answers: [] };
    const here = this.records.get(name);
    if (!here) return { ...base, flags: flags | NXDOMAIN, answers: [] };
    const answers = here.filter((r) => r.type === question.type).map((r) => toAnswer(question, r));
    const response: Packet = { ...base, flags, answers };
    if (dnsPacket.encodingLength(response) > limit) {
      return { ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] };
    }
    return response;
  }
}

function toAnswer(question: Question, record: ZoneRecord): Answer {
  const common = { name: question.name, ttl: 60, class: "IN" as const };
  switch (record.type) {
    case "TXT":
      return { ...common, type: "TXT", data: chunks(record.value) };
    case "MX":
      return { ...common, type: "MX", data: { preference: record.priority, exchange: record.value } };
    case "CNAME":
      return { ...common, type: "CNAME", data: record.value };
    case "A":
      return { ...common, type: "A", data: record.value };
    case "AAAA":
      return { ...common, type: "AAAA", data: record.value };
  }
}

/** A TXT value is a list of strings of at most 255 bytes each. */
function chunks(value: string): Buffer[] {
  const bytes = Buffer.from(value, "utf8");
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out.length > 0 ? out : [Buffer.alloc(0)];
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function safeDecode(raw: Buffer): Packet | undefined {
  try {
    return dnsPacket.decode(raw);
  } catch {
    return undefined;
  }
}

/**
 * UDP on a free port, then TCP on the same number (resolvers retry over TCP when a UDP answer is
 * truncated). That number may already be taken for TCP by another test's socket: then try again.
 */
async function bindUdpAndTcp(): Promise<{ udp: Socket; tcp: Server }> {
  for (let attempt = 1; ; attempt++) {
    const udp = createSocket("udp4");
    udp.bind(0, "127.0.0.1");
    await once(udp, "listening");
    const tcp = createServer();
    try {
      tcp.listen(udp.address().port, "127.0.0.1");
      await once(tcp, "listening");
      return { udp, tcp };
    } catch (err) {
      udp.close();
      tcp.close();
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 20) throw err;
    }
  }
}
