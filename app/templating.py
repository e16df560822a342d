"""The Jinja environment: autoescaping, translations and helpers shared by pages and live fragments."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import markupsafe
from babel.dates import format_time
from jinja2.nodes import EvalContext
from starlette.routing import Mount, Router
from starlette.templating import Jinja2Templates

from app import i18n, settings
from app.db import now_ms
from app.models import Phase
from app.services.cards import COLUMN_LABELS
from app.services.profiles import COMMON_COMPETENCES


def clock_time(epoch_ms: int, tz: str = "Europe/Stockholm") -> str:
    """Format an epoch time as a local hour and minute in the current language."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC).astimezone(ZoneInfo(tz))
    return format_time(moment, "HH:mm", locale=i18n.current())


def minutes(ms: int | None) -> str:
    """Format a duration in milliseconds as H:MM:SS or M:SS."""
    seconds = max(0, (ms or 0) // 1000)
    hours, rest = divmod(seconds, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"


env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(settings.TEMPLATES_DIR),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates are read once per process: a render would otherwise stat the file of every template it
    # includes or imports (about a sixth of the facilitators' agenda render). Restart to see an edit.
    auto_reload=False,
)
_router: list[Router] = []
# The app's static files, which name each file by its content (app/assets.py).
_static: list[Any] = []


def bind(router: Router) -> None:
    """Let templates build paths from the app's routes, also when rendering outside a request."""
    _router[:] = [router]
    _static[:] = [route.app for route in router.routes if isinstance(route, Mount) and route.name == "static"]
    _path_for.cache_clear()
    _phase_item.cache_clear()
    _feed_item.cache_clear()
    _empty_card_form.cache_clear()


def path_for(name: str, /, **params: Any) -> str:
    """Return the path of a named route (relative to the site, so it fits every audience)."""
    return _path_for(name, tuple(params.items()))


@functools.lru_cache(maxsize=8192)
def _path_for(name: str, params: tuple[tuple[str, Any], ...]) -> str:
    # Starlette tries every route in turn; a fragment with many cards asks for the same few paths again.
    found = dict(params)
    if name == "static" and _static and hasattr(_static[0], "url_path"):
        found["path"] = _static[0].url_path(found["path"])
    return str(_router[0].url_path_for(name, **found))


env.globals["url_for"] = path_for
templates = Jinja2Templates(env=env)


def _translated(autoescape: bool, message: str, params: dict[str, Any]) -> str:
    text = i18n.catalog(i18n.current()).get(message, message)
    if autoescape:
        text = markupsafe.Markup(text)  # our translation is markup; what fills its %(name)s is escaped
    # Formatting also turns the %% of a message with no parameters into %, as Jinja's own callable does.
    return text % params if params or "%" in text else text


@jinja2.pass_eval_context
def _gettext(eval_ctx: EvalContext, message: str, /, **params: Any) -> str:
    """`_()`, `gettext()` and `{% trans %}` in templates."""
    return _translated(eval_ctx.autoescape, message, params)


@jinja2.pass_eval_context
def _ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **params: Any) -> str:
    """`ngettext()`: the singular or the plural message, with `num` among its parameters."""
    params.setdefault("num", num)
    return _translated(eval_ctx.autoescape, singular if num == 1 else plural, params)


# Jinja's newstyle callables do the same through three calls each (the `_` alias resolves `gettext` from the
# context, which wraps ours); a card renders some twenty strings, and each post renders several cards.
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
env.globals.update(
    columns=list(COLUMN_LABELS.items()),
    languages=settings.LANGUAGES,
    current_lang=i18n.current,
    clock_time=clock_time,
    server_now=now_ms,
)
env.filters["duration"] = minutes
# Suggested competences are stored in English and shown translated; a person's own words are shown as typed.
env.filters["competence"] = lambda tag: i18n.gettext(tag) if tag in COMMON_COMPETENCES else tag
env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)


def selecting(options: str, value: object) -> markupsafe.Markup:
    """Mark the option of `value` (None: the empty one) selected in options rendered once for many selects."""
    wanted = markupsafe.escape("" if value is None else value)
    option = f'<option value="{wanted}">'
    return markupsafe.Markup(str(options).replace(option, f'<option value="{wanted}" selected>', 1))


# A roster of 1,000 people in 100 teams has 100,000 options: rendered one by one they cost a second.
env.filters["selecting"] = selecting


def phase_item(race: Any, phase: Phase, current: bool, first: bool, last: bool) -> markupsafe.Markup:
    """Render one phase of the facilitators' agenda, kept until anything about it changes.

    A phase's item (its forms for start, move, edit and remove) costs about 0.7 ms, and every clock change
    re-renders the agenda: a pause now renders the open phase's item and reuses the others. The key holds
    every column of the phase, the race's slug, the language and the item's place, which is all it shows.
    """
    values = tuple(getattr(phase, name) for name in _PHASE_FIELDS)
    return _phase_item(race.slug, i18n.current(), current, first, last, values)


_PHASE_FIELDS = tuple(Phase.model_fields)


@functools.lru_cache(maxsize=512)
def _phase_item(
    slug: str, lang: str, current: bool, first: bool, last: bool, values: tuple[Any, ...]
) -> markupsafe.Markup:
    phase = SimpleNamespace(**dict(zip(_PHASE_FIELDS, values, strict=True)))
    with i18n.language(lang):
        text = render(
            "facilitator/_agenda_phase.html",
            race=SimpleNamespace(slug=slug),
            phase=phase,
            current=current,
            first=first,
            last=last,
        )
    # The output of an autoescaped template, as an include's would be: what a person typed is escaped in it.
    return markupsafe.Markup(text)


env.globals["phase_item"] = phase_item


def feed_item(race: Any, view: Any) -> markupsafe.Markup:
    """Render one card of the facilitators' feed, kept while nothing it shows changes.

    Every new card re-renders the feed of the twelve newest, eleven of which the last render had; an item cost
    about 200 function calls (its time through Babel, two paths, two strings), a look-up costs a few. The key
    holds all the item shows: the card's id, title and time, its author and team, the race and the language.
    """
    card = view.card
    return _feed_item(
        race.slug,
        race.timezone,
        i18n.current(),
        card.id,
        card.title,
        card.created_ms,
        view.author,
        view.team,
        view.colour,
    )


@functools.lru_cache(maxsize=1024)
def _feed_item(
    slug: str,
    timezone: str,
    lang: str,
    card_id: int,
    title: str,
    created_ms: int,
    author: str,
    team: str,
    colour: str,
) -> markupsafe.Markup:
    view = SimpleNamespace(
        card=SimpleNamespace(id=card_id, title=title, created_ms=created_ms),
        author=author,
        team=team,
        colour=colour,
    )
    with i18n.language(lang):
        text = render(
            "facilitator/_feed_item.html", race=SimpleNamespace(slug=slug, timezone=timezone), view=view
        )
    # The output of an autoescaped template, as an include's would be: what a person typed is escaped in it.
    return markupsafe.Markup(text)


env.globals["feed_item"] = feed_item


# Stands for the form's key in an empty add-card form kept for reuse; each answer puts its own fresh key in.
_KEY_MARK = "kraftsamla-card-form-key-mark"


def card_form(
    race: Any, board_state: Any, form: dict[str, str], form_error: str, form_key: str
) -> markupsafe.Markup:
    """Render the add-card form; an empty one (the answer to every post) once per race, language and state.

    The form cost about 550 function calls of a post's answer's 3,000 (its labels, its column choices and the
    board's state); it shows nothing else than the key, put in afresh each time.
    """
    if form or form_error:
        return markupsafe.Markup(
            render(
                "participant/_card_form.html",
                race=race,
                board_state=board_state,
                form=form,
                form_error=form_error,
                form_key=form_key,
                oob=False,
            )
        )
    state = (
        board_state.open,
        board_state.voting,
        board_state.budget,
        board_state.reason,
        tuple(sorted(board_state.params.items())),
    )
    text = _empty_card_form(race.slug, i18n.current(), state)
    return markupsafe.Markup(text.replace(_KEY_MARK, str(markupsafe.escape(form_key)), 1))


@functools.lru_cache(maxsize=256)
def _empty_card_form(slug: str, lang: str, state: tuple[Any, ...]) -> str:
    is_open, voting, budget, reason, params = state
    board_state = SimpleNamespace(
        open=is_open, voting=voting, budget=budget, reason=reason, params=dict(params)
    )
    with i18n.language(lang):
        text = render(
            "participant/_card_form.html",
            race=SimpleNamespace(slug=slug),
            board_state=board_state,
            form={},
            form_error="",
            form_key=_KEY_MARK,
            oob=False,
        )
    assert text.count(_KEY_MARK) == 1
    return text


env.globals["card_form"] = card_form


def render(name: str, **context: Any) -> str:
    """Render a template to text in the current language."""
    return env.get_template(name).render(**context)
