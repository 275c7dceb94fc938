"""In-app notifications: the list (showing marks them read) and "mark all read"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    notifications = list(page.object_list)
    # Shown is read: the page still marks which ones were new on this visit.
    unread_ids = [n.pk for n in notifications if n.read_at is None]
    if unread_ids:
        services.mark_read(request.user, unread_ids)
    return render(
        request,
        "cases/notifications.html",
        {"page": page, "notifications": notifications, "new_ids": set(unread_ids)},
    )


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("cases:notifications")


urlpatterns = [
    path("meldingen/", notification_list, name="notifications"),
    path("meldingen/gelezen/", mark_all_read, name="notifications_read"),
]
