#!/usr/bin/python3
"""Runs QMP commands against a QEMU monitor socket, in order, and fails on the first error.

usage: qmp.py SOCKET 'COMMAND' '{"execute": ..., "arguments": ...}' ...
A bare word is a command without arguments. qmp_capabilities is sent first. Each command waits
for its own reply (events in between are skipped), so dump-guest-memory without detach returns
only once the dump is written. A command that returns text (human-monitor-command) has it printed
on stdout as is; one that returns anything else but {} (qom-get, say) has its return value printed
as one line of JSON. No timeout of its own: callers bound it (timeout(1)).
"""
import json
import socket
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(sys.argv[1])
    reader = sock.makefile("r")

    def reply():
        while True:
            line = reader.readline()
            if not line:
                sys.exit("qmp: QEMU closed the monitor")
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    json.loads(reader.readline())  # the greeting
    for arg in ["qmp_capabilities"] + sys.argv[2:]:
        cmd = json.loads(arg) if arg.startswith("{") else {"execute": arg}
        sock.sendall(json.dumps(cmd).encode() + b"\n")
        msg = reply()
        if "error" in msg:
            sys.exit(f"qmp: {cmd['execute']}: {msg['error'].get('desc', msg['error'])}")
        if isinstance(msg["return"], str):
            sys.stdout.write(msg["return"])
        elif msg["return"] != {}:
            print(json.dumps(msg["return"]), flush=True)


main()
