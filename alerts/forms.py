"""Forms of the alert pages."""

from __future__ import annotations

from django import forms

from .models import Frequency
from .targets import target_from_key


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Your email address")
    target = forms.CharField(max_length=120, widget=forms.HiddenInput)
    frequency = forms.ChoiceField(
        choices=Frequency.choices, initial=Frequency.WEEKLY, widget=forms.RadioSelect, label="How often"
    )
    # Left empty by people; robots that fill every field are turned away.
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def clean_target(self) -> object:
        target = target_from_key(self.cleaned_data["target"])
        if target is None:
            raise forms.ValidationError("There is nothing to follow here.")
        return target

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("Leave this field empty.")
        return ""


class FrequencyForm(forms.Form):
    subscription = forms.IntegerField(widget=forms.HiddenInput)
    frequency = forms.ChoiceField(choices=Frequency.choices, required=False)
    action = forms.ChoiceField(choices=[("save", "Save"), ("unsubscribe", "Unsubscribe")])
