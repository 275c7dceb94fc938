"""Scoped reads of organisations and their people."""

from django.contrib.auth import get_user_model


def members_of(organisation):
    """The active people of `organisation` (an organisation or its id), by name: whom a case or a task can be
    given to."""
    organisation_id = getattr(organisation, "pk", organisation)
    return (
        get_user_model()
        .objects.filter(membership__organisation_id=organisation_id, is_active=True)
        .order_by("first_name", "last_name", "username")
    )
