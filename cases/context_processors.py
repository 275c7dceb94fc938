"""The unread-notification count for the page header: one COUNT query, and only when a template shows it."""

from functools import cache

from . import selectors


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_notification_count():
        return selectors.unread_notifications(user).count()

    # A callable: the template calls it when (and only when) it renders the badge; cached for the request.
    return {"unread_notification_count": unread_notification_count}
