"""Flows, one module each; FORMS maps a flow name to its form."""
from __future__ import annotations

from bots.flows import complaint
from bots.forms import Form

FORMS: dict[str, Form] = {form.name: form for form in (complaint.FORM,)}
