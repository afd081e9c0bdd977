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


FRONTEND = BASE_DIR / "sig" / "web" / "frontend"
# gettext('…') with one literal argument; any other call of gettext is a mistake (its text
# could not be found in the catalogue).
GETTEXT_LITERAL = re.compile(r"\bgettext\('((?:[^'\\]|\\.)*)'\)")
GETTEXT_CALL = re.compile(r"\bgettext\(")


def _script_texts() -> dict[str, set[str]]:
    """msgid → the script modules (relative to frontend/) that show it."""
    texts: dict[str, set[str]] = {}
    for module in sorted(FRONTEND.rglob("*.js")):
        code = module.read_text(encoding="utf-8")
        calls = len(GETTEXT_CALL.findall(code)) - code.count("function gettext(")
        literals = GETTEXT_LITERAL.findall(code)
        assert calls == len(literals), f"{module.name}: gettext() needs one '…' literal"
        for literal in literals:
            msgid = re.sub(r"\\(.)", r"\1", literal)
            texts.setdefault(msgid, set()).add(str(module.relative_to(FRONTEND)))
    return texts


def test_every_script_text_has_its_english_translation():
    texts = _script_texts()
    folders = {name.split("/")[0] for names in texts.values() for name in names}
    assert {"editor", "triagem", "ocorrencias", "main.js"} <= folders
    english = _entries(LOCALE / "en" / "LC_MESSAGES" / "djangojs.po")
    missing = {msgid: sorted(names) for msgid, names in texts.items()
               if not english.get((None, msgid))}
    assert not missing


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: str(po.relative_to(LOCALE)))
def test_no_msgid_appears_twice(po):
    text = po.read_text(encoding="utf-8")
    keys = re.findall(r'(?:msgctxt "(.*)"\n)?msgid "(.*)"\n', text)
    assert len(keys) == len(set(keys))
