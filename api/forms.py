"""The form of the API tokens page."""

from django import forms

from accounts.forms import OneTimeKeyForm


class TokenForm(OneTimeKeyForm):
    """A new token: its name, the member it acts as (their role decides what it may do)
    and whether it may only read."""

    name = forms.CharField(max_length=80, widget=forms.TextInput(attrs={"placeholder": "e.g. Tally sync"}),
                           help_text="Which program or person will use it.")
    user = forms.TypedChoiceField(coerce=int, label="Acts as",
                                  help_text="The token can do what this member's role allows.")
    read_only = forms.BooleanField(required=False, label="Read only",
                                   help_text="It can read the book but never change it.")

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
            raise forms.ValidationError("Give the token a name.")
        return name
