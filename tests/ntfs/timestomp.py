#!/usr/bin/env python3
"""timestomp.py IMAGE RECORD UNIXTIME: sets the four times of MFT record
RECORD's $STANDARD_INFORMATION to UNIXTIME, in the unmounted NTFS volume
IMAGE, leaving its $FILE_NAME times as they are: what a timestomping tool
does on Windows (ntfs-3g copies $STANDARD_INFORMATION's times into
$FILE_NAME whenever it writes either, so it cannot make this)."""
import struct
import sys


def main():
    image, record, when = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    nt = (when + 11644473600) * 10000000
    with open(image, 'r+b') as f:
        boot = f.read(512)
        if boot[3:11] != b'NTFS    ':
            sys.exit('timestomp.py: %s: not an NTFS volume' % image)
        sector, = struct.unpack_from('<H', boot, 11)
        cluster = sector * boot[13]
        mft_lcn, = struct.unpack_from('<Q', boot, 48)
        size_code = struct.unpack_from('<b', boot, 64)[0]
        rsize = size_code * cluster if size_code > 0 else 1 << -size_code
        # a fresh volume's $MFT is one run: record N is at N * rsize
        base = mft_lcn * cluster + record * rsize
        f.seek(base)
        rec = f.read(rsize)
        if rec[0:4] != b'FILE':
            sys.exit('timestomp.py: record %d: no FILE signature' % record)
        off, = struct.unpack_from('<H', rec, 20)
        while off + 8 <= rsize:
            atype, alen = struct.unpack_from('<II', rec, off)
            if atype == 0xFFFFFFFF or alen == 0:
                break
            if atype == 0x10:
                voff, = struct.unpack_from('<H', rec, off + 20)
                at = off + voff
                # the update sequence's words sit at each sector's end
                for end in range(sector - 2, rsize, sector):
                    if at <= end + 1 and end < at + 32:
                        sys.exit('timestomp.py: times across a sector end')
                f.seek(base + at)
                f.write(struct.pack('<QQQQ', nt, nt, nt, nt))
                return
            off += alen
        sys.exit('timestomp.py: record %d: no $STANDARD_INFORMATION' % record)


main()
