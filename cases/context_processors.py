"""The page header's case-related context: the menu of the signed-in user's role and the unread-notification count.
Both are computed only when a template shows them (no query for a page without the header)."""

from functools import cache

from django.utils.functional import SimpleLazyObject

from . import policy, selectors


def notifications(request):
    """`unread_notification_count` (a callable, one COUNT query when the badge renders, cached for the request)
    and `menu` (policy.menu_for: the items of the pages the role can use; the header shows only those)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_notification_count():
        return selectors.unread_notifications(user).count()

    return {
        "unread_notification_count": unread_notification_count,
        "menu": SimpleLazyObject(lambda: policy.menu_for(user)),
    }
