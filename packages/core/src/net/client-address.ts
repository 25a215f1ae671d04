import { isIP } from "node:net";

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainIp(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** A connection from this machine (IPv4 127/8 or ::1), given a plain address. */
export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.");
}

/** `192.0.2.1` → itself; `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`. */
export function clientKey(ip: string): string {
  const address = ip.split("%")[0] ?? ip;
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.split("::");
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
