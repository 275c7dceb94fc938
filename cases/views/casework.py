from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from .. import selectors


@login_required
def worklist(request):
    cases = selectors.case_list(request.user).order_by("deadline_at")[:50]
    return render(request, "cases/worklist.html", {"cases": cases})


urlpatterns = [
    path("", worklist, name="worklist"),
]
