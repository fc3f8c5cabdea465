"""The Noto fonts receipts are written in: Noto Sans (Latin, for en and fr), Noto Sans
Arabic (fa) and Noto Sans Bengali (bn), each regular and bold, each the others' fallback
so a Latin clinic name on a Persian receipt (or the reverse) has glyphs too.

They come from Debian's fonts-noto-core, which scripts/install installs as it installs
Debian's chromium (no well-kept PyPI package ships Noto Sans Bengali). Other systems put
the same files elsewhere: every folder below is searched."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEARCHED = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto",
            "/usr/share/fonts/google-noto", "/usr/share/fonts/opentype/noto",
            "/usr/local/share/fonts")


@dataclass(frozen=True)
class Family:
    name: str
    regular: str
    bold: str


FAMILIES = (
    Family("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    Family("NotoSansArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    Family("NotoSansBengali", "NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf"),
)
# The locale's own script first; the others are fallbacks.
MAIN = {"en": "NotoSans", "fr": "NotoSans", "fa": "NotoSansArabic", "bn": "NotoSansBengali"}


class FontsMissing(RuntimeError):
    pass


@cache
def font_files() -> dict[tuple[str, str], Path]:
    """(family, "" or "B") -> the font file; FontsMissing names what is not found."""
    found: dict[tuple[str, str], Path] = {}
    missing = []
    for family in FAMILIES:
        for style, file in (("", family.regular), ("B", family.bold)):
            path = next((f / file for f in map(Path, SEARCHED) if (f / file).is_file()), None)
            if path is None:
                missing.append(file)
            else:
                found[(family.name, style)] = path
    if missing:
        raise FontsMissing(
            "Receipt PDFs need the Noto fonts " + ", ".join(missing) + ": install Debian's "
            "fonts-noto-core (scripts/install does).")
    return found
