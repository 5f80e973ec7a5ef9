"""Staff groups and what each may see and do (the matrix is in the README).

Django permissions decide what the back office offers; the database role each group's
requests run under decides what SQL can reach: Managers and Support run as
commerce_manager, Analysts as commerce_readonly (reports and the catalog, nothing private).
Support may not change prices: besides lacking the Django permission, their requests carry
app.staff_group = 'support', which the price guard trigger refuses (catalog 0006).
"""

from __future__ import annotations

MANAGERS = "Managers"
SUPPORT = "Support"
ANALYSTS = "Analysts"

# Each group's model permissions are set by accounts/migrations/0009_staff_groups.py.


def staff_group_of(user: object) -> str:
    """The group that decides a staff member's database role ('' for superusers and others)."""
    if getattr(user, "is_superuser", False):
        return ""
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    for name in (MANAGERS, SUPPORT, ANALYSTS):
        if name in names:
            return name.lower()
    return ""
