#!/usr/bin/env bash
# Makes crates/print/fonts/NotoSansMonoTC-Receipt.otf, the font the receipt printer's raster mode
# draws with: Noto Sans Mono CJK TC (SIL Open Font License 1.1, Debian's fonts-noto-cjk; Latin
# exactly half as wide as a Chinese character, as a receipt's columns need) cut down to what
# receipts use — ASCII, Latin-1, punctuation, CJK symbols, full-width forms and every
# character of Big5 (the 13,000-odd characters Taiwanese shops write, so Big5 text mode and
# raster mode print the same names). The whole collection is 19 MB; this is what the binary
# carries. Needs /usr/bin/python3 with python3-fonttools and fonts-noto-cjk (apt). Re-run only
# to change the set.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
OUT=crates/print/fonts/NotoSansMonoTC-Receipt.otf
chars=$(mktemp)
/usr/bin/python3 - "$chars" <<'PY'
import sys
cps = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2010, 0x2070)) \
    | set(range(0x2190, 0x2200)) | set(range(0x2500, 0x25A0)) | set(range(0x3000, 0x3040)) \
    | set(range(0xFF01, 0xFF5F)) | {0x20AC, 0x2116, 0x2122, 0xFFE0, 0xFFE1, 0xFFE5}
for lead in range(0xA1, 0xFA):
    for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
        try:
            cps.update(ord(c) for c in bytes([lead, trail]).decode("big5"))
        except UnicodeDecodeError:
            pass
open(sys.argv[1], "w").write(",".join("U+%04X" % c for c in sorted(cps)))
PY
/usr/bin/python3 -m fontTools.subset "$SRC" --font-number=8 --unicodes-file=<(tr ',' '\n' <"$chars") \
  --output-file="$OUT" --no-hinting --layout-features='' --name-IDs='*' \
  --notdef-outline
rm -f "$chars"
ls -l "$OUT"
