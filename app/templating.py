"""The Jinja environment: autoescaping, translations, formatting, and the fragments kept between renders."""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import markupsafe
from babel.dates import format_time
from babel.numbers import format_decimal
from jinja2.nodes import EvalContext
from sqlmodel import SQLModel
from starlette.routing import Mount, Router
from starlette.templating import Jinja2Templates

from app import i18n, labels, settings
from app.assets import HashedStaticFiles
from app.db import now_ms
from app.models import Phase, Race


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


def ink(colour: str) -> str:
    """Return black or white, whichever reads better on a team's colour (#rrggbb)."""
    try:
        channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    except ValueError:
        return "#ffffff"
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # WCAG contrast against white is 1.05 / (L + 0.05), against black (L + 0.05) / 0.05.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#0e1822"


def number(value: float, digits: int | None = None) -> str:
    """Format a number for the reader's language (a decimal comma in Swedish); `digits` fixes the decimals."""
    pattern = "#,##0.###" if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(float(value), format=pattern, locale=i18n.current())


def fit(text: str, *limits: int) -> str:
    """Return the size step a text's length falls in: "fit-0" up to the first limit, "fit-1" to the next."""
    length = len(text or "")
    return f"fit-{sum(1 for limit in limits if length > limit)}"


env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(settings.TEMPLATES_DIR),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates are read once per process, as a render would otherwise stat every template it includes or
    # imports. Restart to see an edit.
    auto_reload=False,
)
templates = Jinja2Templates(env=env)


def install(globals: Mapping[str, Any], filters: Mapping[str, Callable[..., Any]]) -> None:
    """Give templates an app's helpers (its paths, its kept fragments, the services' labels)."""
    env.globals.update(globals)
    env.filters.update(filters)


def _translated(autoescape: bool, message: str, params: dict[str, Any]) -> str:
    if not i18n.is_message(message):
        # Not a message of the catalogue (text someone typed): plain text, escaped, never a format.
        return markupsafe.escape(message) if autoescape else message
    text = i18n.catalog(i18n.current()).get(message, message)
    if autoescape:
        text = markupsafe.Markup(text)  # catalogue text is ours; what fills its %(name)s is escaped
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
# The i18n extension adds this method to the environment, which Environment's type does not know.
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
env.globals.update(
    languages=settings.LANGUAGES,
    current_lang=i18n.current,
    clock_time=clock_time,
    server_now=now_ms,
)
env.filters["duration"] = minutes
env.filters["ink"] = ink
env.filters["fit"] = fit
env.filters["number"] = number
env.filters["label"] = labels.label
env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)


def selecting(options: str, value: object) -> markupsafe.Markup:
    """Mark the option of `value` (None: the empty one) selected in options rendered once for many selects."""
    wanted = markupsafe.escape("" if value is None else value)
    option = f'<option value="{wanted}">'
    return markupsafe.Markup(str(options).replace(option, f'<option value="{wanted}" selected>', 1))


# A big roster's move selects list every team for every person: rendered once, then marked per person.
env.filters["selecting"] = selecting


class Paths:
    """Paths of an app's named routes for templates (relative to the site, so they fit every audience)."""

    def __init__(self, router: Router) -> None:
        self._router = router
        # The app's static files, which name each file by its content.
        mounts = [route.app for route in router.routes if isinstance(route, Mount) and route.name == "static"]
        self._static = next((app for app in mounts if isinstance(app, HashedStaticFiles)), None)
        # Starlette tries every route in turn; a fragment with many cards asks for the same few paths again.
        self._cached = functools.lru_cache(maxsize=8192)(self._path)

    def url_for(self, name: str, /, **params: Any) -> str:
        """Return the path of a named route."""
        return self._cached(name, tuple(params.items()))

    def _path(self, name: str, params: tuple[tuple[str, Any], ...]) -> str:
        found = dict(params)
        if name == "static" and self._static is not None:
            found["path"] = self._static.url_path(found["path"])
        return str(self._router.url_path_for(name, **found))


# What a kept fragment may show of its race: every column but the seq, which changes with every event.
_RACE_SHOWN = tuple(name for name in Race.model_fields if name != "seq")
# Stands for the form's key in an empty add-card form kept for reuse; each answer puts its own fresh key in.
_KEY_MARK = "kraftsamla-card-form-key-mark"


class Fragments:
    """Partials rendered once and kept while nothing they are given changes: the key is their whole context.

    Every value given is part of the key (see `frozen`), so a template that shows one more field of what it
    is given can never be served stale; the race is given without its seq (`_RACE_SHOWN`).
    """

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, markupsafe.Markup] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, template: str, **context: Any) -> markupsafe.Markup:
        """Render a partial in the current language, or return it as rendered before with the same context."""
        key = (template, i18n.current(), frozen(context))
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        # The output of an autoescaped template, as an include's would be: what a person typed is escaped.
        text = markupsafe.Markup(render(template, **context))
        with self._lock:
            self._kept[key] = text
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return text

    def clear(self) -> None:
        """Forget every kept fragment."""
        with self._lock:
            self._kept.clear()

    def phase_item(
        self, race: Any, phase: Phase, current: bool, first: bool, last: bool
    ) -> markupsafe.Markup:
        """Render one phase of the facilitators' agenda: a pause re-renders the open phase's item alone."""
        return self.render(
            "facilitator/_agenda_phase.html",
            race=race_shown(race),
            phase=phase,
            current=current,
            first=first,
            last=last,
        )

    def feed_item(self, race: Any, view: Any) -> markupsafe.Markup:
        """Render one card of the facilitators' feed: a new card renders itself, the other eleven are kept."""
        return self.render("facilitator/_feed_item.html", race=race_shown(race), view=view)

    def card(self, race: Any, view: Any, extra: Any, voting: bool) -> markupsafe.Markup:
        """Render one card of a team's board: a vote's answer and the team's frame show the same card, which
        is rendered once for both (and for every member's page until it changes)."""
        return self.render(
            "participant/_card.html",
            # All a card shows of its race: its links and its comments' times.
            race=SimpleNamespace(slug=race.slug, timezone=race.timezone),
            view=view,
            extras={view.card.id: extra} if extra is not None else {},
            board_state=SimpleNamespace(voting=bool(voting)),
            read_only=False,
        )

    def card_form(
        self, race: Any, board_state: Any, form: dict[str, str], form_error: str, form_key: str
    ) -> markupsafe.Markup:
        """Render the add-card form; an empty one (the answer to every post) is kept, with its key put in."""
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
        text = self.render(
            "participant/_card_form.html",
            race=race_shown(race),
            board_state=board_state,
            form={},
            form_error="",
            form_key=_KEY_MARK,
            oob=False,
        )
        return markupsafe.Markup(str(text).replace(_KEY_MARK, str(markupsafe.escape(form_key)), 1))


def race_shown(race: Any) -> SimpleNamespace:
    """Return what a kept fragment may show of a race (a Race, or what a test gives for one)."""
    if not isinstance(race, Race):
        return race if isinstance(race, SimpleNamespace) else SimpleNamespace(**vars(race))
    return SimpleNamespace(**{name: getattr(race, name) for name in _RACE_SHOWN})


# type -> the names of its fields, for `frozen`.
_FIELDS: dict[type, tuple[str, ...]] = {}


def frozen(value: Any) -> Hashable:
    """Return a value as a key: the same key for the same content, whatever holds it."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        return (dict, tuple(sorted((key, frozen(item)) for key, item in value.items())))
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return (type(value), tuple(frozen(item) for item in value))
    if isinstance(value, SimpleNamespace):
        return (SimpleNamespace, frozen(vars(value)))
    names = _FIELDS.get(type(value))
    if names is None:
        names = _FIELDS[type(value)] = _field_names(value)
    return (type(value), tuple(frozen(getattr(value, name)) for name in names))


def _field_names(value: Any) -> tuple[str, ...]:
    if hasattr(value, "_fields"):
        return tuple(value._fields)
    if dataclasses.is_dataclass(value):
        return tuple(field.name for field in dataclasses.fields(value))
    if isinstance(value, SQLModel):
        return tuple(type(value).model_fields)
    raise TypeError(
        f"a kept fragment cannot be given a {type(value).__name__}: its content would not be its key"
    )


def render(name: str, **context: Any) -> str:
    """Render a template to text in the current language."""
    return env.get_template(name).render(**context)
