"""The ids of the two case permissions, read once per process: every scoped read and every permission sync needs
them. Forgotten after `migrate` or `flush` (post_migrate), which may create the rows anew with other ids."""

from django.contrib.auth.models import Permission

VIEW, CHANGE = "view_case", "change_case"

_ids: dict[str, int] = {}


def case_permission_ids() -> dict[str, int]:
    if len(_ids) < 2:
        _ids.update(
            Permission.objects.filter(content_type__app_label="cases", codename__in=[VIEW, CHANGE]).values_list(
                "codename", "pk"
            )
        )
    return _ids


def forget_case_permission_ids(**_kwargs) -> None:
    _ids.clear()
