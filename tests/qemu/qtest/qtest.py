"""Minimal client for QEMU's qtest and QMP protocols.

Starts our QEMU with ``-accel qtest`` (no guest CPU runs), lets a test
read and write guest memory, MMIO and PCI configuration space, and reach
QOM properties through QMP. No guest kernel is involved.
"""

import json
import os
import socket
import subprocess
import tempfile

PCI_CFG_ADDR = 0xCF8
PCI_CFG_DATA = 0xCFC


class QTestError(Exception):
    pass


class Machine:
    def __init__(self, qemu, extra_args=(), firmware_dirs=()):
        self.tmp = tempfile.mkdtemp(prefix="dsa-qtest-")
        qsock = os.path.join(self.tmp, "qtest.sock")
        msock = os.path.join(self.tmp, "qmp.sock")
        self._qlisten = self._listen(qsock)
        self._mlisten = self._listen(msock)
        args = [qemu, "-M", "q35", "-nodefaults", "-display", "none",
                "-accel", "qtest", "-m", "512M",
                "-qtest", "unix:" + qsock,
                "-chardev", "socket,path=%s,id=qmp" % msock,
                "-mon", "chardev=qmp,mode=control"]
        for d in firmware_dirs:
            args += ["-L", d]
        args += list(extra_args)
        self.log = open(os.path.join(self.tmp, "qemu.log"), "w+")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        self._qlisten.settimeout(30)
        self._mlisten.settimeout(30)
        try:
            self.q, _ = self._qlisten.accept()
            self.m, _ = self._mlisten.accept()
        except socket.timeout:
            self.log.seek(0)
            raise QTestError("QEMU did not connect: " + self.log.read())
        self.qf = self.q.makefile("rw")
        self.mf = self.m.makefile("rw")
        json.loads(self.mf.readline())          # QMP greeting
        self.qmp("qmp_capabilities")

    @staticmethod
    def _listen(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        return s

    def close(self):
        try:
            self.qmp("quit")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.qf, self.mf):
            try:
                f.close()
            except Exception:
                pass

    # --- qtest protocol -------------------------------------------------
    def cmd(self, line):
        self.qf.write(line + "\n")
        self.qf.flush()
        while True:
            resp = self.qf.readline()
            if not resp:
                raise QTestError("QEMU went away during: " + line)
            if resp.startswith("IRQ"):
                continue
            break
        resp = resp.strip()
        if not resp.startswith("OK"):
            raise QTestError("%s -> %s" % (line, resp))
        return resp[3:]

    def readl(self, addr):
        return int(self.cmd("readl 0x%x" % addr), 16)

    def readq(self, addr):
        return int(self.cmd("readq 0x%x" % addr), 16)

    def writel(self, addr, val):
        self.cmd("writel 0x%x 0x%x" % (addr, val & 0xFFFFFFFF))

    def writeq(self, addr, val):
        self.cmd("writeq 0x%x 0x%x" % (addr, val & (2**64 - 1)))

    def memread(self, addr, size):
        return bytes.fromhex(self.cmd("read 0x%x %d" % (addr, size))[2:])

    def memwrite(self, addr, data):
        self.cmd("write 0x%x %d 0x%s" % (addr, len(data), data.hex()))

    def memset(self, addr, size, byte=0):
        self.cmd("memset 0x%x %d 0x%x" % (addr, size, byte))

    def step(self, ns=1000):
        """Advance virtual time, letting bottom halves and timers run."""
        self.cmd("clock_step %d" % ns)

    # --- PCI configuration space through the CF8/CFC mechanism ----------
    def _cfg_addr(self, devfn, off):
        return 0x80000000 | (devfn << 8) | (off & 0xFC)

    def cfg_read32(self, devfn, off):
        self.cmd("outl 0x%x 0x%x" % (PCI_CFG_ADDR, self._cfg_addr(devfn, off)))
        return int(self.cmd("inl 0x%x" % PCI_CFG_DATA), 16)

    def cfg_write32(self, devfn, off, val):
        self.cmd("outl 0x%x 0x%x" % (PCI_CFG_ADDR, self._cfg_addr(devfn, off)))
        self.cmd("outl 0x%x 0x%x" % (PCI_CFG_DATA, val))

    # --- QMP ------------------------------------------------------------
    def qmp(self, command, **args):
        self.mf.write(json.dumps({"execute": command, "arguments": args}) + "\n")
        self.mf.flush()
        while True:
            msg = json.loads(self.mf.readline())
            if "event" in msg:
                continue
            if "error" in msg:
                raise QTestError("%s: %s" % (command, msg["error"]))
            return msg.get("return")

    def qom_get(self, path, prop):
        return self.qmp("qom-get", path=path, property=prop)

    def qom_set(self, path, prop, value):
        return self.qmp("qom-set", path=path, property=prop, value=value)
