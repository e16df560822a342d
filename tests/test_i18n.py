"""Every string a person reads exists in Swedish and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from app import i18n, settings, templating
from app.errors import Conflict, Invalid
from app.language import negotiate

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    **{
        name: None for name in ("Invalid", "Conflict", "Forbidden", "NotFound", "NotSignedIn", "ServiceError")
    },
}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
ROOT = Path(__file__).resolve().parent.parent


def extracted() -> set[str]:
    """Return every msgid in the code and templates, as `make messages` finds them."""
    found: set[str] = set()
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map=options, keywords=KEYWORDS
    ):
        for part in message if isinstance(message, tuple) else (message,):
            if part:
                found.add(part)
    return found


def test_every_string_has_a_swedish_translation() -> None:
    catalog = i18n.catalog("sv")
    missing = sorted(message for message in extracted() if message not in catalog)
    assert missing == []


def _po() -> Catalog:
    with (settings.LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="sv")


def test_the_swedish_catalogue_has_no_empty_or_fuzzy_entry() -> None:
    def finished(message: Message) -> bool:
        strings = message.string if message.pluralizable else [message.string]
        return not message.fuzzy and all(strings)

    unfinished = [message.id for message in _po() if message.id and not finished(message)]
    assert unfinished == []


def test_the_swedish_catalogue_holds_exactly_what_extraction_finds() -> None:
    """The .po is the one source: `make messages` keeps it in step with the marked strings."""
    held = set()
    for message in _po():
        for part in message.id if isinstance(message.id, tuple) else (message.id,):
            if part:
                held.add(part)
    assert sorted(extracted() - held) == []
    assert sorted(held - extracted()) == []


def test_translations_keep_their_placeholders() -> None:
    for message, translation in i18n.catalog("sv").items():
        for placeholder in ("%(num)s", "%(field)s", "%(limit)s", "%(phase)s"):
            assert (placeholder in message) == (placeholder in translation), message


def test_the_catalog_extraction_sees_templates_and_code() -> None:
    messages = extracted()
    assert "Add card" in messages  # a template
    assert "Only a facilitator can run the clock." in messages  # a service error
    assert "Night pause" in messages  # the default agenda


@pytest.mark.parametrize(("lang", "expected"), [("sv", "Lägg till kort"), ("en", "Add card")])
def test_translate_picks_the_language(lang: str, expected: str) -> None:
    assert i18n.translate(lang, "Add card") == expected


def test_the_current_language_is_scoped() -> None:
    with i18n.language("en"):
        assert i18n.gettext("Add card") == "Add card"
        with i18n.language("sv"):
            assert i18n.gettext("Add card") == "Lägg till kort"
        assert i18n.gettext("Add card") == "Add card"


def test_an_unknown_language_falls_back_to_the_default() -> None:
    assert i18n.pick("xx") == settings.DEFAULT_LANG


def test_locale_folder_exists() -> None:
    assert Path(settings.LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po").exists()


def test_the_compiled_catalog_says_what_the_po_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = settings.LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po"
    target = tmp_path / "sv" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(source, target / "messages.po")
    monkeypatch.setattr(settings, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    from_po = i18n.catalog("sv")
    with (target / "messages.po").open("rb") as po, (target / "messages.mo").open("wb") as mo:
        write_mo(mo, read_po(po, locale="sv"))
    i18n.catalog.cache_clear()
    from_mo = i18n.catalog("sv")
    i18n.catalog.cache_clear()
    assert from_mo == from_po
    assert len(from_po) > 100


@pytest.mark.parametrize(
    ("lang", "escaped", "expected"),
    [
        ("sv", True, "Rapport: R&amp;D &lt;Lab&gt; · 2 röster"),
        ("en", True, "Report: R&amp;D &lt;Lab&gt; · 2 votes"),
        ("sv", False, "Rapport: R&D <Lab> · 2 röster"),
    ],
)
def test_templates_translate_and_escape_what_fills_a_message(lang: str, escaped: bool, expected: str) -> None:
    """HTML escapes what a person typed into a message; the Markdown report writes it as given."""
    from app.services.reports import markdown_env
    from app.templating import env

    source = '{{ _("Report: %(race)s", race=name) }} · {{ ngettext("%(num)s vote", "%(num)s votes", 2) }}'
    with i18n.language(lang):
        shown = (env if escaped else markdown_env).from_string(source).render(name="R&D <Lab>")
    assert shown == expected


def test_typed_text_given_to_gettext_in_a_template_is_escaped_and_never_a_format() -> None:
    typed = "<i hx-post=/leave hx-trigger=load></i> %(num)s %d"
    template = templating.env.from_string(
        '<p>{{ _(typed) }}</p><p>{{ _("Voting is open: %(num)s vote each.", num=_(typed)) }}</p>'
    )
    with i18n.language("sv"):
        page = BeautifulSoup(template.render(typed=typed), "html.parser")
    assert page.find("i") is None
    first, second = (element.get_text() for element in page.find_all("p"))
    assert first == typed
    assert second == i18n.translate("sv", "Voting is open: %(num)s vote each.", num=typed)


def test_catalogue_messages_are_markup_and_their_parameters_are_escaped() -> None:
    with i18n.language("en"):
        rendered = templating.env.from_string('{{ _("Moved to %(column)s", column="<b>x</b>") }}').render()
    assert rendered == "Moved to &lt;b&gt;x&lt;/b&gt;"


def test_a_refusal_translates_its_labels_and_shows_typed_parameters_as_typed() -> None:
    with i18n.language("sv"):
        assert Conflict("%(name)s is already there.", name="Market").translated() == "Market är redan där."
        assert (
            Invalid("Please fill in %(field)s.", field=i18n.Label("the name")).translated()
            == "Fyll i namnet."
        )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"cookie", b"a=1; kraftsamla_lang=en"), (b"accept-language", b"sv")], "en"),
        ([(b"cookie", b'kraftsamla_lang="en"')], "en"),
        ([(b"cookie", b"kraftsamla_lang=xx"), (b"accept-language", b"fr, en-GB;q=0.8, sv;q=0.5")], "en"),
        ([(b"cookie", b"kraftsamla_lang=sv"), (b"cookie", b"kraftsamla_lang=en")], "sv"),
        ([(b"cookie", b"not a cookie;;=; kraftsamla_lang"), (b"accept-language", b"EN")], "en"),
        ([(b"accept-language", b"sv-SE,sv;q=0.9"), (b"accept-language", b"en")], "sv"),
        ([(b"accept-language", b"*")], settings.DEFAULT_LANG),
        ([], settings.DEFAULT_LANG),
    ],
)
def test_a_request_asks_for_its_language_by_cookie_then_by_accept_language(
    headers: list[tuple[bytes, bytes]], expected: str
) -> None:
    assert negotiate({"type": "http", "headers": headers}) == expected
