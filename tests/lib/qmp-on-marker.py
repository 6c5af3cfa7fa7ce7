#!/usr/bin/python3
"""Run a QMP command each time the guest asks for it on its console.

usage: qmp-on-marker.py CONSOLE_LOG QMP_SOCKET MARKER COMMAND_JSON

COMMAND_JSON "-" means that the command is the JSON text following MARKER
on the line (echo "MARKER {...}" >/dev/kmsg), so one watcher serves any
number of hooks.

A guest test cannot reach QEMU's monitor, but it can print to the kernel
console (echo MARKER >/dev/kmsg). This watcher, started next to
tests/vm/run --console CONSOLE_LOG --qemu-arg -qmp ..., follows the log
and sends COMMAND_JSON (e.g. a qom-set of a test hook of the DSA model)
once for every new line containing MARKER. The reply goes back to the
console log's reader as a line on stderr. Exits when QEMU closes the
socket.
"""
import json
import os
import socket
import sys
import time


def connect(path, deadline):
    while True:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def call(rfile, sock, command):
    sock.sendall(json.dumps(command).encode() + b"\n")
    while True:
        line = rfile.readline()
        if not line:
            raise EOFError("QEMU closed the monitor")
        reply = json.loads(line)
        if "return" in reply or "error" in reply:
            return reply


def main():
    log, path, marker, command = sys.argv[1:5]
    fixed = None if command == "-" else json.loads(command)
    sock = connect(path, time.monotonic() + 60)
    rfile = sock.makefile("r")
    rfile.readline()  # greeting
    call(rfile, sock, {"execute": "qmp_capabilities"})
    pos = 0
    want = marker.encode()
    while True:
        with open(log, "rb") as f:
            f.seek(pos)
            data = f.read()
        # Only whole lines: a marker may be half written.
        end = data.rfind(b"\n") + 1
        pos += end
        for line in data[:end].splitlines():
            if want in line:
                if fixed is not None:
                    command = fixed
                else:
                    text = line[line.index(want) + len(want):]
                    try:
                        command = json.loads(text.decode(errors="replace"))
                    except ValueError:
                        print("qmp-on-marker: not JSON after the marker: %r"
                              % text, file=sys.stderr)
                        continue
                reply = call(rfile, sock, command)
                print("qmp-on-marker: %s -> %s" % (json.dumps(command),
                                                   json.dumps(reply)),
                      file=sys.stderr)
        try:
            # QEMU gone: the socket reads EOF.
            sock.setblocking(False)
            if sock.recv(1, socket.MSG_PEEK) == b"":
                return
        except BlockingIOError:
            pass
        finally:
            sock.setblocking(True)
        time.sleep(0.2)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, ConnectionError, OSError):
        pass
