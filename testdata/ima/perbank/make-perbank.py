#!/usr/bin/env python3
# make-perbank.py IN OUT: write the Linux 6.10 per-bank (sha256) form of a
# little-endian classic IMA list: the same records with each template-digest
# column replaced by SHA-256 of the template data ("ima" template: of the
# 20-byte digest and the name zero-padded to 256 bytes); violations keep an
# all-zero column, 32 bytes long. Independent of dossier (hashlib only).
import hashlib, struct, sys

d = open(sys.argv[1], 'rb').read()
off, out = 0, b''
while off < len(d):
    pcr, = struct.unpack_from('<I', d, off)
    col = d[off + 4:off + 24]
    nl, = struct.unpack_from('<I', d, off + 24)
    name = d[off + 28:off + 28 + nl]
    p = off + 28 + nl
    if name == b'ima':
        fl, = struct.unpack_from('<I', d, p + 20)
        body = d[p:p + 24 + fl]
        th = hashlib.sha256(d[p:p + 20] + d[p + 24:p + 24 + fl] +
                            b'\0' * (256 - fl)).digest()
    else:
        dl, = struct.unpack_from('<I', d, p)
        body = d[p:p + 4 + dl]
        th = hashlib.sha256(body[4:]).digest()
    if col == b'\0' * 20:
        th = b'\0' * 32
    out += struct.pack('<I', pcr) + th + struct.pack('<I', nl) + name + body
    off = p + len(body)
open(sys.argv[2], 'wb').write(out)
