#!/usr/bin/python3
"""Check the IMS PASID ordering rule against the DSA model's own record of
every IMS slot write (QEMU trace event dsa_ims_write, log backend):

  a write that unmasks a slot never changes the slot's PASID or PASID
  enable bit: the PASID was in the slot while it was still masked.

Also requires that slots were unmasked at all (else the check proves
nothing) and prints the figures. usage: check-trace.py TRACE_LOG
Exit 0 if the rule held, 1 otherwise.
"""
import re
import sys

MASK = 1 << 0
PASID_BITS = 0xfffff008          # PASID (31:12) and PASID enable (3)
WRITE = re.compile(r"dsa_ims_write ims\[(\d+)\] dword (\d) = 0x([0-9a-f]+)")
RESET_CTRL = MASK                # the model's reset value of every slot


def main():
    ctrl = {}
    unmasks = violations = writes = 0
    with open(sys.argv[1], errors="replace") as log:
        for line in log:
            m = WRITE.search(line)
            if not m:
                continue
            idx, dw, val = int(m.group(1)), int(m.group(2)), int(m.group(3), 16)
            writes += 1
            if dw != 3:
                continue
            old = ctrl.get(idx, RESET_CTRL)
            if (old & MASK) and not (val & MASK):
                unmasks += 1
                if (old & PASID_BITS) != (val & PASID_BITS):
                    violations += 1
                    if violations <= 5:
                        print("slot %d unmasked with ctrl %#x while it held %#x"
                              % (idx, val, old))
            ctrl[idx] = val
    print("%d IMS slot writes, %d unmasks, %d unmasked with a PASID the slot "
          "did not already hold" % (writes, unmasks, violations))
    if not unmasks:
        print("no slot was ever unmasked: nothing was checked")
        return 1
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
