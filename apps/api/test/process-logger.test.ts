import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LOGGER = fileURLToPath(new URL("../src/process-logger.ts", import.meta.url));
const SCRIPT = `
const { createProcessLogger } = await import(${JSON.stringify(LOGGER)});
const logger = await createProcessLogger("info");
logger.info({ port: 3000 }, "mailroom started");
`;
const NODE = [process.execPath, "--conditions=@mailroom/source", "--import", "tsx", "--input-type=module", "-e", SCRIPT];

async function output(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, "exit")) as [number];
  expect(code, out).toBe(0);
  return out;
}

describe("the server's log lines", () => {
  it("are JSON, one object a line, when stdout is not a terminal", async () => {
    const out = await output(NODE[0]!, NODE.slice(1));
    const line = JSON.parse(out.trim()) as { level: number; msg: string; port: number };
    expect(line).toMatchObject({ level: 30, msg: "mailroom started", port: 3000 });
  }, 60_000);

  it("are readable lines on a terminal", async () => {
    const quoted = NODE.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const out = await output("script", ["-qefc", quoted, "/dev/null"]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes removed here
    const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: mailroom started {"port":3000}\r?$/m);
    expect(plain).not.toContain('{"level"');
  }, 60_000);
});
