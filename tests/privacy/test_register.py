"""docs/privacy.md is the processing register: every text, char, e-mail, address and JSON field of the product's
models must be named there (`app_label.Model.field`), with why it is kept, who sees it, for how long and what
anonymisation does to it. A new field that is not in the register fails this test."""

import re
from pathlib import Path

from django.apps import apps
from django.db import models

REGISTER = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
PRODUCT_APPS = ("partners", "convenants", "cases", "arrears_signals")
TEXTUAL = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)
COLUMNS = ("field", "personal data", "why (ground)", "who sees it", "kept", "anonymisation")


def register_rows() -> dict[str, list[str]]:
    rows = {}
    for line in REGISTER.read_text().splitlines():
        match = re.match(r"\|\s*`([\w]+\.[\w]+\.[\w]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def textual_fields() -> list[str]:
    names = []
    for label in PRODUCT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, TEXTUAL):
                    names.append(f"{model._meta.label}.{field.name}")
    return names


def test_every_textual_field_of_the_product_is_in_the_register():
    listed = register_rows()
    missing = [name for name in textual_fields() if name not in listed]
    assert not missing, f"docs/privacy.md does not list: {', '.join(missing)}"


def test_every_register_row_names_a_field_that_exists_and_fills_every_column():
    existing = set(textual_fields())
    for name, cells in register_rows().items():
        assert name in existing, f"docs/privacy.md lists {name}, which is no textual field of the product"
        assert len(cells) == len(COLUMNS) - 1 and all(cells), f"{name}: every column needs an answer"


def test_the_register_finds_a_field_it_does_not_list(monkeypatch):
    monkeypatch.setattr("tests.privacy.test_register.REGISTER", REGISTER.with_name("api-additions.md"))
    assert "cases.Tenant.name" not in register_rows()
