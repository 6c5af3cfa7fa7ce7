#!/usr/bin/python3
"""Follow one nested guest of suite "guest" and answer its markers.

usage: watch.py SERIAL_LOG QMP_SOCKET|libvirt:DOMAIN:CONSOLE_SOCKET CTL_SOCKET
                UUID ROUNDS RESULT T0 [END]

Runs in the bench VM next to the nested QEMU that tests/guest/in-vm.sh
starts for the vdev UUID, from just before that QEMU starts (T0, epoch
seconds) until it exits:

- drains the guest's console (ttyS0 on a ringbuf chardev "con") through
  QMP ringbuf-read into SERIAL_LOG (for a libvirt domain, from the unix
  socket of its <serial type='unix'>; system_reset and quit are then
  "virsh reset" and "virsh destroy"), and timestamps every marker line of
  tests/guest/guest-test.sh and tests/guest/init as it appears, in
  seconds since T0.  A -serial file: would cost the nested guest one
  write(2) in the bench VM per byte, seconds per line under nested TCG;
  the ring costs a memcpy.  What the guest prints in its last POLL
  seconds before QEMU exits on its own is lost (not after our quit: the
  ring is drained first).  SERIAL_LOG.times has every line with the
  time it was drained at;
- answers "GUEST-HELLO" with "round N" on the control line (ttyS1);
- at "GUEST-DMATEST-READY NAME THREADS TESTS" the guest has dmatest set
  up and waits for a "go" line on its ttyS1 (CTL_SOCKET, -serial
  unix:..., server): the vdev's trapped_accesses and the /proc/interrupts
  count of its IMS vector "vfio-ims[1](UUID)" are sampled, then "go" is
  sent; the guest starts dmatest and waits for "done".  If the file
  RESULT.gate.rN.NAME exists (round N), "go" waits until the file
  RESULT.go.rN.NAME does too: the orchestrator starts two guests' runs
  together, or one at the moment it chooses;
- "GUEST-WAIT NAME": the guest waits for "go" before its step NAME; the
  same gate holds it (RESULT.gate.rN.NAME until RESULT.go.rN.NAME), so
  that the orchestrator can keep two guests' busy phases apart;  Once the console
  shows THREADS dmatest summary lines (every thread ended), or after
  DMATEST_LIMIT seconds, both are sampled again and "done" is sent: both
  samples are taken while the guest is idle, so the difference is
  exactly the dmatest run's;
- at "GUEST-ROUND-DONE rc=N" it sends QMP system_reset (the guest reboots,
  QEMU resets the vfio-pci device) until ROUNDS rounds are done, then
  QMP quit (END "quit", the default); with END "hold" it records "held"
  instead and leaves the guest running, idle, for the orchestrator's
  teardown tests, and quits once the file RESULT.quit exists; a boot it
  did not ask for (a guest panic reboots) quits at once;
- appends what it saw to RESULT, one "KEY=VALUE" line each, as it goes
  (a killed run keeps what it had): rN.t.NAME (time of a marker, round N),
  rN.check.NAME (ok, or fail: why), rN.trapped.NAME and rN.ims.NAME
  (delta over a dmatest window), rN.t.go-NAME (when "go" went),
  rN.tests.NAME, rN.irq.NAME (the guest's
  own count), rN.summary (dmatest lines), rN.rc, boots, resets, held,
  quit, unexpected_boot.
"""
import base64
import json
import os
import re
import socket
import subprocess
import sys
import time

POLL = 0.5
# how long a dmatest run may take before the guest is told to look anyway
DMATEST_LIMIT = 1200
SUMMARY = re.compile(r"dmatest: \S+-copy\d+: summary ")


def connect(path, deadline):
    """Connect to a unix socket QEMU creates, waiting for it."""
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(POLL)


class Qmp:
    def __init__(self, path, deadline):
        self.sock = connect(path, deadline)
        self.rfile = self.sock.makefile("r")
        self.rfile.readline()  # greeting
        self.call("qmp_capabilities")

    def call(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            line = self.rfile.readline()
            if not line:
                raise EOFError("QEMU closed the monitor")
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                return reply


def ims_count(uuid):
    """Interrupts of the vdev's vector 1 (its IMS vector) on all CPUs."""
    name = "vfio-ims[1](%s)" % uuid
    total = 0
    with open("/proc/interrupts") as f:
        for line in f:
            if name not in line:
                continue
            for word in line.split()[1:]:
                if not word.isdigit():
                    break
                total += int(word)
    return total


def trapped(uuid):
    try:
        with open("/sys/bus/mdev/devices/%s/trapped_accesses" % uuid) as f:
            return int(f.read())
    except OSError:
        return 0  # no such vdev: a dry run of the plumbing


def qemu_gone(sock):
    """True once QEMU closed the monitor (it exited)."""
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True  # reset by QEMU's exit
    finally:
        sock.setblocking(True)


class QmpConsole:
    """A QEMU we started: its console is the ring "con", read over QMP."""

    def __init__(self, qmp_path, deadline):
        self.qmp = Qmp(qmp_path, deadline)

    def read(self):
        got = b""
        while True:
            reply = self.qmp.call("ringbuf-read", device="con", size=65536,
                                  format="base64")
            data = base64.b64decode(reply.get("return", ""))
            got += data
            if len(data) < 65536:
                return got

    def gone(self):
        return qemu_gone(self.qmp.sock)

    def reset(self):
        self.qmp.call("system_reset")

    def quit(self):
        try:
            self.qmp.call("quit")
        except EOFError:
            pass  # QEMU may close the monitor before it answers


class LibvirtConsole:
    """A libvirt domain: its console is a unix socket (a <serial
    type='unix'> in bind mode), reset and quit go through virsh."""

    def __init__(self, domain, con_path, deadline):
        self.domain = domain
        self.sock = connect(con_path, deadline)
        self.sock.setblocking(False)
        self.eof = False

    def read(self):
        got = b""
        while not self.eof:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not data:
                self.eof = True
            got += data
        return got

    def gone(self):
        return self.eof

    def virsh(self, *args):
        subprocess.run(["virsh", "-q", "-c", "qemu:///system"] + list(args)
                       + [self.domain], check=False, stdout=subprocess.DEVNULL)

    def reset(self):
        self.virsh("reset")

    def quit(self):
        self.virsh("destroy")


def main():
    log, qmp_path, ctl_path, uuid, rounds, result, t0 = sys.argv[1:8]
    end = sys.argv[8] if len(sys.argv) > 8 else "quit"
    if end not in ("quit", "hold"):
        raise SystemExit("watch.py: END must be quit or hold, not %r" % end)
    rounds, t0 = int(rounds), float(t0)
    out = open(result, "a", buffering=1)

    def put(key, value):
        out.write("%s=%s\n" % (key, value))

    deadline = time.monotonic() + 120
    if qmp_path.startswith("libvirt:"):
        _, domain, con_path = qmp_path.split(":", 2)
        con = LibvirtConsole(domain, con_path, deadline)
    else:
        con = QmpConsole(qmp_path, deadline)
    ctl = connect(ctl_path, deadline)
    put("t.qmp", "%.1f" % (time.time() - t0))

    boots = resets = 0
    rnd = 0
    running = None  # the dmatest run the guest waits on, if any
    waiting = None  # the step the guest waits to start (GUEST-WAIT)
    seen_result = set()
    console = open(log, "ab", buffering=0)
    # every console line with the time it was drained at (since T0)
    timeline = open(log + ".times", "a", buffering=1)

    def drain():
        """What the guest printed since the last call (and log it)."""
        got = con.read()
        console.write(got)
        return got

    def open_gate(run):
        """A dmatest run may start unless RESULT.gate.rN.NAME exists and
        RESULT.go.rN.NAME does not yet."""
        tag = "%s.%s" % (run["key"], run["name"])
        return (not os.path.exists("%s.gate.%s" % (result, tag)) or
                os.path.exists("%s.go.%s" % (result, tag)))

    buf = b""
    held = False
    while True:
        if held and os.path.exists(result + ".quit"):
            held = False
            put("quit", "%.1f" % (time.time() - t0))
            drain()
            con.quit()
        try:
            gone = con.gone()
            buf += drain()
        except (EOFError, OSError):
            gone = True  # QEMU went between the look and the read
        if gone:
            buf += b"\n"  # what is left is a whole line now
        lines = buf.split(b"\n")
        buf = lines.pop()  # a line still being written
        now = time.time() - t0
        for raw in lines:
            line = raw.decode(errors="replace").rstrip("\r")
            timeline.write("%7.1f %s\n" % (now, line))
            key = "r%d" % rnd
            if "guest-init: up " in line:
                boots += 1
                rnd = boots
                put("boots", boots)
                put("r%d.t.init" % rnd, "%.1f" % now)
                m = re.search(r"up ([0-9.]+) s", line)
                if m:
                    put("r%d.uptime.init" % rnd, m.group(1))
                if boots > resets + 1:
                    put("unexpected_boot", boots)
                    drain()
                    con.quit()
                continue
            if "GUEST-HELLO" in line:
                ctl.sendall(b"round %d\n" % rnd)
                continue
            m = re.search(r"GUEST-T (\S+) ([0-9.]+)", line)
            if m:
                put("%s.t.%s" % (key, m.group(1)), "%.1f" % now)
                put("%s.uptime.%s" % (key, m.group(1)), m.group(2))
                continue
            m = re.search(r"GUEST-CHECK (ok|fail) (\S+?)(?:: (.*))?$", line)
            if m:
                put("%s.check.%s" % (key, m.group(2)),
                    m.group(1) if m.group(1) == "ok"
                    else "fail: %s" % (m.group(3) or ""))
                continue
            m = re.search(r"GUEST-WAIT (\S+)", line)
            if m:
                waiting = {"name": m.group(1), "key": key}
                continue
            m = re.search(r"GUEST-DMATEST-READY (\S+) (\d+) (\d+)", line)
            if m:
                name = m.group(1)
                running = {"name": name, "key": key, "threads": int(m.group(2)),
                           "ended": 0, "go": False}
                put("%s.tests.%s" % (key, name), m.group(3))
                put("%s.t.ready-%s" % (key, name), "%.1f" % now)
                continue
            if running and SUMMARY.search(line):
                running["ended"] += 1
            if "GUEST-DMATEST-DONE" in line:
                continue
            m = re.search(r"GUEST-IRQ (\S+) (\d+)", line)
            if m:
                put("%s.irq.%s" % (key, m.group(1)), m.group(2))
                continue
            m = re.search(r"GUEST-SUMMARY (.*)", line)
            if m:
                put("%s.summary" % key, m.group(1))
                continue
            if "dmatest: " in line and ": summary " in line:
                # the kernel's own line, as it is printed: the first one
                # of a boot is the "first dmatest result"
                if key not in seen_result:
                    seen_result.add(key)
                    put("%s.t.first-result" % key, "%.1f" % now)
                    m = re.match(r"\[\s*([0-9.]+)\]", line)
                    if m:
                        put("%s.uptime.first-result" % key, m.group(1))
                continue
            m = re.search(r"GUEST-ROUND-DONE rc=(\d+)", line)
            if m:
                put("%s.rc" % key, m.group(1))
                put("%s.t.round-done" % key, "%.1f" % now)
                if rnd < rounds:
                    resets += 1
                    put("resets", resets)
                    con.reset()
                elif end == "hold":
                    held = True
                    put("held", "%.1f" % now)
                else:
                    put("quit", "%.1f" % now)
                    drain()
                    con.quit()
                continue
            if line.startswith("GUEST-TEST-RC="):
                put("%s.test_rc" % key, line.split("=", 1)[1])
        if gone:
            put("t.exit", "%.1f" % (time.time() - t0))
            return
        if waiting and open_gate(waiting):
            put("%s.t.go-%s" % (waiting["key"], waiting["name"]),
                "%.1f" % (time.time() - t0))
            waiting = None
            ctl.sendall(b"go\n")
        if running and not running["go"] and open_gate(running):
            # the guest waits on its control line, idle: sample, then go
            running["before"] = (trapped(uuid), ims_count(uuid))
            running["since"] = time.monotonic()
            running["go"] = True
            put("%s.t.go-%s" % (running["key"], running["name"]),
                "%.1f" % (time.time() - t0))
            ctl.sendall(b"go\n")
        elif running and running["go"] and (
                running["ended"] >= running["threads"] or
                time.monotonic() - running["since"] > DMATEST_LIMIT):
            tr, ims = trapped(uuid), ims_count(uuid)
            tr0, ims0 = running["before"]
            key, name = running["key"], running["name"]
            put("%s.trapped.%s" % (key, name), tr - tr0)
            put("%s.ims.%s" % (key, name), ims - ims0)
            put("%s.t.done-%s" % (key, name), "%.1f" % now)
            if running["ended"] < running["threads"]:
                put("%s.timeout.%s" % (key, name), running["ended"])
            running = None
            ctl.sendall(b"done\n")
        time.sleep(POLL)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, ConnectionError):
        pass  # QEMU is gone: the run is over
    except OSError as e:
        print("watch.py: %s" % e, file=sys.stderr)
        sys.exit(1)
