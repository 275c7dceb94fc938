"""Web UI of the signals app: upload a CSV of arrears signals, see the per-row report and earlier imports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.policy import may_use
from config.errors import ForbiddenAction

from . import selectors, services, uploads
from .forms import SignalImportForm
from .models import SignalImport
from .parsing import column_name

REPORT_ROWS_SHOWN = 500


def _require_reporter(request):
    """The import pages are for the organisations that report arrears signals (cases.policy.menu_for)."""
    if not may_use(request.user, "signal_import"):
        raise PermissionDenied(_("Your organisation does not report arrears signals."))


@login_required
def import_signals(request):
    _require_reporter(request)
    form = SignalImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and uploads.refused(request):
        form.is_valid()
        form.errors["file"] = form.error_class([services.file_too_large().message])
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > services.max_bytes():
                raise services.file_too_large()
            result = services.import_csv(request.user, upload.read(), file_name=upload.name)
        except ForbiddenAction:
            raise PermissionDenied from None
        except services.SignalError as error:
            form.add_error("file", str(error.message))
        else:
            return redirect("signals:import-detail", pk=result.signal_import.pk)
    imports = selectors.imports_for(request.user)[:25]
    return render(request, "signals/import.html", {"form": form, "imports": imports})


@login_required
def import_detail(request, pk):
    _require_reporter(request)
    try:
        signal_import = selectors.imports_for(request.user).get(pk=pk)
    except SignalImport.DoesNotExist:
        raise Http404 from None
    report = signal_import.report or []
    rejected = [
        {**entry, "errors": {column_name(field): reasons for field, reasons in (entry.get("errors") or {}).items()}}
        for entry in report if entry.get("status") == "rejected"
    ]
    opened = [entry for entry in report if entry.get("status") == "case_opened"]
    return render(
        request,
        "signals/import_detail.html",
        {
            "signal_import": signal_import,
            "rejected": rejected[:REPORT_ROWS_SHOWN],
            "rejected_hidden": max(0, len(rejected) - REPORT_ROWS_SHOWN),
            "opened": opened[:REPORT_ROWS_SHOWN],
            "opened_hidden": max(0, len(opened) - REPORT_ROWS_SHOWN),
        },
    )
