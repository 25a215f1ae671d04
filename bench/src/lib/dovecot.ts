import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./env.js";
import { procStatusKb, start, type Managed } from "./processes.js";
import { waitForBanner } from "./tools.js";

export const DOVECOT_BIN = "/usr/sbin/dovecot";

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** Where messages go as files: `<maildir>/cur/<name>`. */
  maildir: string;
  /** Write one message into the Maildir's cur/, owned by the mail user. */
  addMessage(name: string, raw: Buffer): void;
  version: string;
  proc: Managed;
  /** Resident and proportional set of its post-login `imap` processes, summed, in MB. */
  imapMemoryMb(): { rss: number; pss: number; processes: number };
  stop(): Promise<void>;
}

/** Wait until something on `port` greets with `* OK` (IMAP). */
export function waitForImapGreeting(port: number, proc: Managed, timeoutMs = 30_000): Promise<void> {
  return waitForBanner(port, proc, { greeting: "* OK", goodbye: "a LOGOUT\r\n" }, timeoutMs);
}

interface RunAs {
  internal: string;
  login: string;
  mail: { uid: number; gid: number };
}

/** uid and gid of a user in /etc/passwd. */
function passwdEntry(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name} in /etc/passwd`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * The users Dovecot's processes run as: ours when we are not root. As root, the two Debian's
 * package creates for login and internal processes, and mail as `nobody` (Dovecot refuses mail
 * access as root whatever the settings say).
 */
function runAs(): RunAs {
  const me = userInfo();
  if (me.uid !== 0) return { internal: me.username, login: me.username, mail: { uid: me.uid, gid: me.gid } };
  return { internal: "dovecot", login: "dovenull", mail: passwdEntry("nobody") };
}

function dovecotVersion(): string {
  return execFileSync(DOVECOT_BIN, ["--version"], { encoding: "utf8" }).trim().split(" ")[0]!;
}

/** Dovecot 2.3's settings (2.4 renamed most of them and needs a `dovecot_config_version`). */
function config23(dir: string, port: number, users: string, as: RunAs): string {
  return `# Written by the Mailroom bench for one run; the system's /etc/dovecot is not read.
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${as.internal}
default_internal_group = ${as.internal}
default_login_user = ${as.login}
mail_uid = ${as.mail.uid}
mail_gid = ${as.mail.gid}
first_valid_uid = ${Math.min(as.mail.uid, 500)}
first_valid_gid = ${Math.min(as.mail.gid, 1)}
mail_location = maildir:${dir}/Maildir
# 100 idle sessions from one address and one user, plus the timed ones.
default_process_limit = 1000
default_client_limit = 2000
mail_max_userip_connections = 1000
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${users}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${users}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

/** RSS and PSS (kB) of every process whose command is `imap` and whose parent is `masterPid`. */
function imapChildren(masterPid: number): { rss: number; pss: number; processes: number } {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm !== "imap" || ppid !== masterPid) continue;
      rss += procStatusKb(Number(entry), "VmRSS");
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, "utf8");
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      processes++;
    } catch {
      // gone while we looked
    }
  }
  return { rss: rss / 1024, pss: pss / 1024, processes };
}

/**
 * Debian's Dovecot (bench/setup.sh installs it) as a child process in the foreground (-F) with a
 * config file of its own in a temp dir: IMAP only, on 127.0.0.1:<free port>, no TLS, one user in a
 * passwd-file with a plain password, mail in `<dir>/Maildir`. Never the system service.
 */
export async function startDovecot(): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BIN)) throw new Error(`${DOVECOT_BIN} is missing: run bash bench/setup.sh`);
  const version = dovecotVersion();
  if (!version.startsWith("2.3.")) throw new Error(`Dovecot ${version}: the bench writes a Dovecot 2.3 config`);
  const dir = mkdtempSync(join(tmpdir(), "mailroom-bench-dovecot-"));
  // Its login and auth processes run as other users and must reach the sockets and the passwd-file.
  chmodSync(dir, 0o755);
  const as = runAs();
  const own = (path: string) => {
    if (userInfo().uid === 0) chownSync(path, as.mail.uid, as.mail.gid);
  };
  const maildir = join(dir, "Maildir");
  mkdirSync(maildir);
  own(maildir);
  for (const sub of ["cur", "new", "tmp"]) {
    mkdirSync(join(maildir, sub));
    own(join(maildir, sub));
  }
  const user = "bench@dovecot.test";
  const password = "bench-password";
  const users = join(dir, "users");
  writeFileSync(users, `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const port = await freePort();
  const conf = join(dir, "dovecot.conf");
  writeFileSync(conf, config23(dir, port, users, as), { mode: 0o644 });
  const proc = start("dovecot", DOVECOT_BIN, ["-F", "-c", conf], { env: { PATH: process.env.PATH ?? "" } });
  const logTail = () => {
    try {
      return readFileSync(join(dir, "dovecot.log"), "utf8").slice(-4000);
    } catch {
      return "";
    }
  };
  try {
    await waitForImapGreeting(port, proc);
  } catch (err) {
    await proc.stop("SIGKILL");
    const log = logTail();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${log}`);
  }
  return {
    port,
    user,
    password,
    maildir,
    addMessage(name, raw) {
      const file = join(maildir, "cur", name);
      writeFileSync(file, raw, { mode: 0o600 });
      own(file);
    },
    version,
    proc,
    imapMemoryMb: () => imapChildren(proc.pid),
    async stop() {
      await proc.stop("SIGTERM", 10_000);
      const errors = logTail()
        .split("\n")
        .filter((l) => /Error|Fatal|Panic/.test(l));
      if (errors.length > 0) process.stderr.write(`[bench] dovecot log errors:\n${errors.slice(-10).join("\n")}\n`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
