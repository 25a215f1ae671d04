"""A POP3 client session driven by a JSON program on stdin, with Python's poplib as the client.

Input: {"port", "tls": "none" | "stls" | "implicit", "user", "password", "steps": [[name, *args], ...]}
Output (stdout): one JSON object, {"welcome", "capa", "results": [...]}; each result is the reply
line, with "lines" (base64 of the lines joined by CRLF, plus a final CRLF) and "octets" for
multi-line answers, or {"error": "-ERR ..."} when poplib raised error_proto.
Steps: stat, list [n], uidl [n], retr n, top n lines, dele n, rset, noop, quit, drop (close the
socket without QUIT).
"""

import base64
import json
import poplib
import ssl
import sys


def joined(lines):
    return base64.b64encode(b"".join(line + b"\r\n" for line in lines)).decode()


def run(program):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    host, port = "127.0.0.1", program["port"]
    if program.get("tls") == "implicit":
        client = poplib.POP3_SSL(host, port, context=context, timeout=20)
    else:
        client = poplib.POP3(host, port, timeout=20)
    out = {"welcome": client.getwelcome().decode(), "results": []}
    out["capa"] = sorted(client.capa().keys())
    if program.get("tls") == "stls":
        out["stls"] = client.stls(context=context).decode()
    if "user" in program:
        try:
            client.user(program["user"])
            out["login"] = client.pass_(program["password"]).decode()
        except poplib.error_proto as err:
            out["login"] = err.args[0].decode()
            return out
    for step in program["steps"]:
        name, args = step[0], step[1:]
        try:
            if name == "drop":
                client.sock.close()
                break
            if name == "stat":
                count, size = client.stat()
                out["results"].append({"count": count, "size": size})
            elif name in ("list", "uidl") and not args:
                resp, lines, octets = getattr(client, name)()
                out["results"].append({"resp": resp.decode(), "entries": [l.decode() for l in lines]})
            elif name in ("list", "uidl"):
                out["results"].append({"resp": getattr(client, name)(args[0]).decode()})
            elif name in ("retr", "top"):
                resp, lines, octets = getattr(client, name)(*args)
                out["results"].append({"resp": resp.decode(), "bytes": joined(lines), "octets": octets})
            else:
                out["results"].append({"resp": getattr(client, name)(*args).decode()})
            if name == "quit":
                break
        except poplib.error_proto as err:
            out["results"].append({"error": err.args[0].decode()})
    return out


if __name__ == "__main__":
    print(json.dumps(run(json.load(sys.stdin))))
