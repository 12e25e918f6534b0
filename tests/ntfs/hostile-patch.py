#!/usr/bin/env python3
"""hostile-patch.py VOL DIR: damaged copies of the NTFS volume VOL in DIR,
seeded, so every run writes the same bytes:

  boot-huge.img     the boot sector claims 2^40 sectors (more than the file)
  boot-zero.img     bytes per sector and sectors per cluster of 0
  boot-mftfar.img   $MFT's cluster far past the end of the volume
  mft-N.img         N = 1..6: seeded byte changes in MFT records: the root's,
                    64..129 (names, links, the deep folders) and the
                    sparse and WOF files'
                    (fix-ups made right again, so the records are read)
  indx-N.img        N = 1..4: seeded byte changes in INDX blocks
  mbr-past.img      an MBR whose partition runs past the end of the disk
  mbr-far.img       an MBR whose partition starts past the end
  mbr-loop.img      an extended partition whose EBRs link to themselves
  gpt-past.img      a GPT (right CRCs) whose entry runs past the end
  gpt-ok.img        a GPT (right CRCs) whose entry is the volume
"""
import os
import random
import struct
import sys
import zlib

vol, out = sys.argv[1], sys.argv[2]
data = bytearray(open(vol, "rb").read())
bps = struct.unpack_from("<H", data, 11)[0]
spc = data[13]
cluster = bps * spc
mft_lcn = struct.unpack_from("<Q", data, 48)[0]
mft = mft_lcn * cluster
rec = 1024


def write(name, b):
    """b, sparse: its blocks of zeros left as holes"""
    blk = 65536
    zero = bytes(blk)
    with open(os.path.join(out, name), "wb") as f:
        for i in range(0, len(b), blk):
            if b[i:i + blk] != zero[:len(b[i:i + blk])]:
                f.seek(i)
                f.write(b[i:i + blk])
        f.truncate(len(b))


def fixup(b, off, size):
    """the update sequence of the record at off made right for its bytes"""
    usa = struct.unpack_from("<H", b, off + 4)[0]
    n = struct.unpack_from("<H", b, off + 6)[0]
    if usa + 2 * n > size or n == 0:
        return
    usn = b[off + usa:off + usa + 2]
    for i in range(1, n):
        end = off + i * 512 - 2
        if end + 2 > off + size:
            break
        b[off + usa + 2 * i:off + usa + 2 * i + 2] = b[end:end + 2]
        b[end:end + 2] = usn


def unfix(b, off, size):
    usa = struct.unpack_from("<H", b, off + 4)[0]
    n = struct.unpack_from("<H", b, off + 6)[0]
    if usa + 2 * n > size or n == 0:
        return
    for i in range(1, n):
        end = off + i * 512 - 2
        if end + 2 > off + size:
            break
        b[end:end + 2] = b[off + usa + 2 * i:off + usa + 2 * i + 2]


b = bytearray(data)
struct.pack_into("<Q", b, 40, 1 << 40)
write("boot-huge.img", b)

b = bytearray(data)
struct.pack_into("<H", b, 11, 0)
b[13] = 0
write("boot-zero.img", b)

b = bytearray(data)
struct.pack_into("<Q", b, 48, 1 << 50)
write("boot-mftfar.img", b)

for n in range(1, 7):
    rnd = random.Random(n)
    b = bytearray(data)
    for r in list(range(5, 6)) + list(range(64, 130)) + \
            list(range(3318, 3326)):
        off = mft + r * rec
        if b[off:off + 4] != b"FILE":
            continue
        unfix(b, off, rec)
        for _ in range(rnd.randint(1, 6)):
            # past the header: attributes (offsets, lengths, runs, names)
            p = off + rnd.randrange(0x30, rec - 8)
            b[p] = rnd.choice([0, 0xff, 0x7f, 0x80, rnd.randrange(256)])
        fixup(b, off, rec)
    write("mft-%d.img" % n, b)

indx = [i for i in range(0, len(data), 512) if data[i:i + 4] == b"INDX"]
for n in range(1, 5):
    rnd = random.Random(100 + n)
    b = bytearray(data)
    for off in indx:
        size = 4096
        unfix(b, off, size)
        for _ in range(rnd.randint(1, 12)):
            p = off + rnd.randrange(0x18, size - 8)
            b[p] = rnd.choice([0, 0xff, 0x7f, 0x80, rnd.randrange(256)])
        fixup(b, off, size)
    write("indx-%d.img" % n, b)

# partitioned disks: 1 MiB of table, then the volume
lead = 2048
disk = bytearray(lead * 512) + data
nsec = len(disk) // 512


def mbr(entries):
    b = bytearray(disk)
    for i, (t, start, count) in enumerate(entries):
        e = 446 + 16 * i
        b[e:e + 16] = bytes(16)
        b[e + 4] = t
        struct.pack_into("<II", b, e + 8, start, count)
    b[510:512] = b"\x55\xaa"
    return b


write("mbr-past.img", mbr([(7, lead, nsec * 4)]))
write("mbr-far.img", mbr([(7, nsec + 10, 100), (7, 0xffffffff, 0xffffffff)]))
b = mbr([(5, 1, nsec - 1), (7, lead, nsec - lead)])
# the EBR at sector 1: a logical partition, and a link to itself (0 = ext)
e0, e1 = 512 + 446, 512 + 462
b[e0 + 4] = 7
struct.pack_into("<II", b, e0 + 8, lead - 1, nsec - lead)
b[e1 + 4] = 5
struct.pack_into("<II", b, e1 + 8, 0, 1)
b[512 + 510:512 + 512] = b"\x55\xaa"
write("mbr-loop.img", b)


def gpt(first, last):
    b = mbr([(0xEE, 1, min(nsec - 1, 0xffffffff))])
    ent = bytearray(128 * 128)
    ent[0:16] = bytes.fromhex("A2A0D0EBE5B9334487C068B6B72699C7")
    ent[16:32] = bytes(range(16))
    struct.pack_into("<QQ", ent, 32, first, last)
    b[1024:1024 + len(ent)] = ent
    h = bytearray(512)
    h[0:8] = b"EFI PART"
    struct.pack_into("<IIIIQQQQ", h, 8, 0x10000, 92, 0, 0, 1, nsec - 1, 34,
                     nsec - 34)
    struct.pack_into("<QIII", h, 72, 2, 128, 128, zlib.crc32(ent))
    struct.pack_into("<I", h, 16, zlib.crc32(bytes(h[:92])))
    b[512:1024] = h
    return b


write("gpt-past.img", gpt(lead, nsec * 8))
write("gpt-ok.img", gpt(lead, nsec - 1))
