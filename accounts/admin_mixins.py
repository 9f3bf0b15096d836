"""Shared pieces of the operator's admin."""


class ViewOnlyAdminMixin:
    """A ``ModelAdmin`` whose rows are shown but never added, changed or deleted in the
    admin, for rows that only services may write (ledger entries, stock movements)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
