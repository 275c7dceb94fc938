"""Texts the product writes about a case (timeline events, notifications), kept as their message and parameters
so that each reader sees them in their own language: the timeline and the notifications follow the language
switch. The stored description is the text in the product's language (Dutch), for search and exports.

    change.event(EventKind.ASSIGNED, Text(gettext_noop("Assigned to %(name)s"), name=name))

Parameters are names, numbers, amounts (Decimal: rendered as money), dates and date-times (rendered in the
reader's format, in Dutch time) and other Texts or choice labels (rendered in the reader's language)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict = field(default_factory=dict)
    plural: str = ""  # with `plural_by`: the parameter whose number chooses the form (ngettext)
    plural_by: str = ""

    def __init__(self, msgid, *, plural="", plural_by="", **params):
        # A plural is given as ngettext_lazy(singular, plural, "<parameter>") (so that makemessages finds it),
        # with plural_by="<parameter>" naming the number that chooses the form.
        forms = getattr(msgid, "_kw", None) if isinstance(msgid, Promise) else None
        args = getattr(msgid, "_args", None) if isinstance(msgid, Promise) else None
        if args and len(args) == 1 and isinstance(args[0], str) and not forms:
            msgid = args[0]  # a lazy label (gettext_lazy): its message, translated when read
        elif forms and {"singular", "plural"} <= set(forms):
            msgid, plural = forms["singular"], forms["plural"]
            if not plural_by:
                raise ValueError("A plural Text needs plural_by=<the parameter that chooses the form>.")
        object.__setattr__(self, "msgid", str(msgid))
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "plural", str(plural))
        object.__setattr__(self, "plural_by", plural_by)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """In the active language."""
        if self.plural:
            message = ngettext(self.msgid, self.plural, int(self.params.get(self.plural_by) or 0))
        else:
            message = gettext(self.msgid)
        if not self.params:
            return message
        return message % {name: _render(value) for name, value in self.params.items()}

    def stored(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return self.render()

    def as_data(self) -> dict:
        data = {"msgid": self.msgid, "params": {name: _encode(value) for name, value in self.params.items()}}
        if self.plural:
            data.update(plural=self.plural, plural_by=self.plural_by)
        return data

    @classmethod
    def from_data(cls, data) -> "Text | None":
        if not isinstance(data, dict) or not isinstance(data.get("msgid"), str):
            return None
        params = data.get("params") if isinstance(data.get("params"), dict) else {}
        return cls(data["msgid"], plural=str(data.get("plural") or ""), plural_by=str(data.get("plural_by") or ""),
                   **{name: _decode(value) for name, value in params.items()})


def _encode(value):
    if isinstance(value, Text):
        return {"text": value.as_data()}
    if isinstance(value, Promise):
        # A lazy gettext (a choice label): kept as its message, translated when read. Other lazy objects, and
        # lazy texts with context or plurals, as the text they are now.
        args = getattr(value, "_args", ())
        if len(args) == 1 and isinstance(args[0], str) and not getattr(value, "_kw", None):
            return {"text": {"msgid": args[0], "params": {}}}
        return str(value)
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"money": str(value)}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def _decode(value):
    if isinstance(value, dict):
        if "text" in value:
            return Text.from_data(value["text"]) or ""
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return date.fromisoformat(value["date"])
        if "money" in value:
            return Decimal(value["money"])
        return ""
    return value


def _render(value):
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal):
        return number_format(value, 2, force_grouping=True)
    return value


def euro(amount) -> str:
    """An amount as the active language writes it: "€ 1.234,56" in Dutch, "€ 1,234.56" in English."""
    return "€ " + number_format(Decimal(str(amount)), 2, use_l10n=True, force_grouping=True)
