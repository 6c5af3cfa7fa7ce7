#!/usr/bin/python3
"""Print IMS slots of a DSA device as the device holds them, read from
BAR0 through sysfs (read-only use of a writable mapping: ctypes needs one
for 32-bit loads, and the model only answers 4- and 8-byte accesses).

usage: slots.py PCI_DEVICE_DIR FIRST COUNT
prints: "INDEX ADDR_LO ADDR_HI DATA CTRL" in hex, one line per slot
"""
import ctypes
import mmap
import os
import sys

TABLE_OFFSET = 0x60        # table offsets register, in 0x100-byte units
SLOT_SIZE = 16


def main():
    devdir, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fd = os.open(os.path.join(devdir, "resource0"), os.O_RDWR | os.O_SYNC)
    size = os.fstat(fd).st_size
    mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    def rd32(off):
        return ctypes.c_uint32.from_buffer(mm, off).value

    table = rd32(TABLE_OFFSET + 4) >> 16   # bits 63:48 of the register
    ims = table * 0x100
    for i in range(first, first + count):
        base = ims + i * SLOT_SIZE
        print("%d %#x %#x %#x %#x" % (i, rd32(base), rd32(base + 4),
                                      rd32(base + 8), rd32(base + 12)))


if __name__ == "__main__":
    main()
