"""The gettext catalogues in `locale/`: the compiled `.mo` files in the repository are what
`msgfmt` makes of the `.po` files, and English translates every pt-PT text."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from sig.conf import BASE_DIR

LOCALE = BASE_DIR / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def _entries(po) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) → msgstr of a .po file written one line per string."""
    text = po.read_text(encoding="utf-8")
    pattern = r'(?:msgctxt "(.*)"\n)?msgid "(.*)"\nmsgstr "(.*)"\n'
    return {(context or None, msgid): msgstr
            for context, msgid, msgstr in re.findall(pattern, text) if msgid}


def test_every_language_has_both_catalogues():
    names = {(po.parent.parent.name, po.stem) for po in CATALOGUES}
    assert names == {(lang, domain) for lang in ("en", "pt_PT")
                     for domain in ("django", "djangojs")}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: str(po.relative_to(LOCALE)))
def test_compiled_catalogue_is_up_to_date(po, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: apt-get install gettext (scripts/setup does)"
    out = tmp_path / "out.mo"
    done = subprocess.run([msgfmt, "--check-format", "-o", str(out), str(po)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == po.with_suffix(".mo").read_bytes(), \
        f"{po.with_suffix('.mo').relative_to(BASE_DIR)} is stale: run msgfmt (docs/webmap.md)"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_english_translates_every_text_and_pt_pt_shows_the_source(domain):
    english = _entries(LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po")
    portuguese = _entries(LOCALE / "pt_PT" / "LC_MESSAGES" / f"{domain}.po")
    assert english and set(english) == set(portuguese)
    assert all(english.values()), [k for k, v in english.items() if not v]
    assert not any(portuguese.values())  # msgids are the pt-PT texts
    assert "#, fuzzy" not in (LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po").read_text()
