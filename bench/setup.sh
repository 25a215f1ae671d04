#!/usr/bin/env bash
# Tools for `pnpm bench` and `pnpm drill`; safe to run again (each step is skipped when done).
#   - wrk (HTTP load) from Debian
#   - Dovecot's IMAP server from Debian (dovecot-imapd), the peer of the imap group: the bench runs
#     it as its own child process with its own config file; the system service is never used
#   - Postfix's smtp-source and smtp-sink, unpacked from Debian's postfix package into
#     bench/.tools/postfix WITHOUT installing or running a mail system
# Haraka, smtp-server, nodemailer and pg come from bench/package.json (pnpm install).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tools="$here/.tools"
postfix_dir="$tools/postfix"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
}

if ! command -v wrk >/dev/null 2>&1; then
  echo "setup: installing wrk" >&2
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

if [ ! -x /usr/sbin/dovecot ]; then
  echo "setup: installing dovecot-imapd" >&2
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dovecot-imapd >/dev/null
fi

if [ ! -x "$postfix_dir/usr/sbin/smtp-source" ] || [ ! -x "$postfix_dir/usr/sbin/smtp-sink" ]; then
  echo "setup: unpacking smtp-source and smtp-sink from Debian's postfix package" >&2
  apt_update_once
  mkdir -p "$tools"
  download="$(mktemp -d)"
  chmod 755 "$download" # apt fetches as the _apt user
  # apt-get download writes to the current directory and needs no root.
  (cd "$download" && apt-get download -qq postfix)
  rm -rf "$postfix_dir"
  dpkg -x "$download"/postfix_*.deb "$postfix_dir"
  rm -rf "$download"
fi

# Postfix links its programs against its own private libraries (libpostfix-*.so).
export LD_LIBRARY_PATH="$postfix_dir/usr/lib/postfix${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for tool in smtp-source smtp-sink; do
  bin="$postfix_dir/usr/sbin/$tool"
  # With no arguments both print their usage and exit non-zero; a loader error means a missing library.
  out="$("$bin" 2>&1 || true)"
  if ! grep -qi "usage" <<<"$out"; then
    echo "setup: $tool does not run:" >&2
    echo "$out" >&2
    exit 1
  fi
done

if [ ! -f "$here/node_modules/Haraka/package.json" ]; then
  echo "setup: Haraka is missing from bench/node_modules: run pnpm install at the repository root" >&2
  exit 1
fi

echo "setup: wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'), Dovecot $(/usr/sbin/dovecot --version | awk '{print $1}'), smtp-source and smtp-sink in $postfix_dir, Haraka $(node -p "require('$here/node_modules/Haraka/package.json').version")" >&2
