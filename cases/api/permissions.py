"""DRF permissions of the case API that ask the case policy (cases.policy), so no view words a rule of its own."""

from rest_framework import permissions

from .. import policy


def oversight(message):
    """Organisation-wide oversight (escalations, the access log, the dashboard): policy.may_oversee, the one
    managers-only rule. `message` says what the refused caller may not see (403)."""

    class MayOversee(permissions.BasePermission):
        def has_permission(self, request, view):
            return policy.may_oversee(request.user)

    MayOversee.message = message
    return MayOversee
