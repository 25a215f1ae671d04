import type { DnsRecord, DnsRecordCheck } from "@mailroom/contracts";

const TTL = 3600;

/** Zone-file lines (RFC 1035 master format) with absolute names, ready to paste into a zone. */
export function toBindLines(domain: string, records: DnsRecord[]): string[] {
  return records.map((r): string => {
    const owner = `${r.host === "@" ? domain : `${r.host}.${domain}`}.`;
    switch (r.type) {
      case "MX":
        return `${owner}\t${TTL}\tIN\tMX\t${r.priority ?? 10} ${r.value}.`;
      case "CNAME":
        return `${owner}\t${TTL}\tIN\tCNAME\t${r.value}.`;
      case "TXT":
        return `${owner}\t${TTL}\tIN\tTXT\t${txtStrings(r.value)}`;
      default:
        return r.type satisfies never;
    }
  });
}

/** A TXT value as quoted strings of at most 255 bytes each (a DKIM key needs two). */
function txtStrings(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) parts.push(bytes.subarray(i, i + 255).toString("utf8"));
  return parts.map((p) => `"${p.replace(/["\\]/g, "\\$&")}"`).join(" ");
}

/** `✓ MX @ → mx.example.net` or `✗ TXT _dmarc (optional): No TXT record at …`, with what was found. */
export function formatCheck(check: DnsRecordCheck): string {
  const mark = check.found ? "✓" : "✗";
  const label = `${check.type} ${check.host}${check.required ? "" : " (optional)"}`;
  if (check.found) return `${mark} ${label}`;
  const lines = [`${mark} ${label}: ${check.reason ?? "not found"}`, `    expected: ${check.value}`];
  if (check.observed.length > 0) lines.push(`    found:    ${check.observed.join(" | ")}`);
  return lines.join("\n");
}

/**
 * Records as plain aligned columns, the value last and unbordered: a DKIM key is wider than any
 * terminal, and a wrapped value must still copy into a DNS panel's field without table borders.
 */
export function toRecordTable(records: DnsRecord[]): string {
  const rows = [
    ["TYPE", "HOST", "PRIORITY", "VALUE"],
    ...records.map((r) => [r.type, r.host, String(r.priority ?? ""), r.value]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ")).join("\n");
}
