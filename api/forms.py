"""The form of the API tokens page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import OneTimeKeyForm


class TokenForm(OneTimeKeyForm):
    """A new token: its name, the member it acts as (their role decides what it may do)
    and whether it may only read."""

    name = forms.CharField(label=_("Name"), max_length=80,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. Tally sync")}),
                           help_text=_("Which program or person will use it."))
    user = forms.TypedChoiceField(coerce=int, label=_("Acts as"),
                                  help_text=_("The token can do what this member's role allows."))
    read_only = forms.BooleanField(required=False, label=_("Read only"),
                                   help_text=_("It can read the book but never change it."))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {m.user_id: m for m in members}
        self.fields["user"].choices = [(m.user_id, f"{m.user.username} ({m.get_role_display()})")
                                       for m in self.members.values()]

    def clean_user(self):
        return self.members[self.cleaned_data["user"]].user

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name
