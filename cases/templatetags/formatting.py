"""Amounts as the reader's language writes them, on every page (a template builtin, config/settings.py):
`{{ amount|euro }}` is "€ 1.234,56" in Dutch and "€ 1,234.56" in English; empty for None."""

from decimal import Decimal, InvalidOperation

from django import template

from cases.texts import euro as euro_text

register = template.Library()


@register.filter
def euro(amount) -> str:
    if amount in (None, ""):
        return ""
    try:
        Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"€ {amount}"  # a figure withheld for a small group ("< 5") keeps its currency sign
    return euro_text(amount)
