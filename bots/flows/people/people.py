"""The People feature: volunteer sign-up and review, elder registration, family binding (docs/people.md)."""
from __future__ import annotations

from bots.flows.people import admin as people_admin
from bots.flows.people import elder_signup, family, volunteer_signup
from bots.registry import Feature

FEATURE = Feature(
    name="people",
    forms=(volunteer_signup.FORM, elder_signup.FORM, *family.FORMS),
    intents={**volunteer_signup.INTENTS, **family.INTENTS},
    commands=(*people_admin.COMMANDS, *family.COMMANDS, *volunteer_signup.COMMANDS, *elder_signup.COMMANDS),
)
