"""Profile facets: the built-in ones and the extra fields moderators define."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from core.i18n import N_, N_n
from core.settings.refusals import refusal
from core.settings.registry import SettingsSection, register

BUILTIN_FIELDS = ("role", "team", "topics", "offers", "wants", "timezone", "languages", "about")
# `/profile set field:<name> value:<text>` sets any field by name, so no field may be called like those options
RESERVED_FIELDS = ("field", "value")
MAX_EXTRA_FIELDS = 15  # with the built-in fields, still within the 25 options a Discord command may have


class ExtraField(BaseModel):
    description: str = Field("", max_length=100)
    multiple: bool = Field(False, description="A comma-separated list rather than one value.")
    allowed: list[str] = Field(default_factory=list, description="If set, only these values are accepted.")


class ProfileSettings(BaseModel):
    about_max_length: int = Field(300, ge=20, le=2000, description="Longest 'about' text.")
    max_items: int = Field(10, ge=1, le=50, description="Most values in a list facet (topics, offers, ...).")
    value_max_length: int = Field(60, ge=10, le=200, description="Longest single facet value.")
    extra_fields: dict[str, ExtraField] = Field(
        default_factory=dict, description="Extra facet fields, e.g. a plant or product line, each with its allowed "
        "values (at most 15).")
    required_for_matching: list[Literal["role", "topics", "timezone", "languages"]] = Field(
        default_factory=list, description="Facets a member must fill in before joining rounds."
    )

    @field_validator("extra_fields")
    @classmethod
    def _names(cls, v: dict[str, ExtraField]) -> dict[str, ExtraField]:
        if len(v) > MAX_EXTRA_FIELDS:
            raise refusal(N_n("At most {max} extra field.", "At most {max} extra fields.", "max"), max=MAX_EXTRA_FIELDS)
        for name in v:
            if not name.isidentifier() or not name.islower() or not name.isascii() or len(name) > 30:
                raise refusal(N_("The field name “{name}” must be lower-case letters, digits and _ (at most 30)."),
                              name=name[:40])
            if name in BUILTIN_FIELDS:
                raise refusal(N_("The field name “{name}” is built in."), name=name)
            if name in RESERVED_FIELDS:
                raise refusal(N_("The field name “{name}” is reserved."), name=name)
        return v


SECTION = register(SettingsSection("profiles", community=ProfileSettings, modules=("profiles",), order=20,
                                   module_titles=(("profiles", N_("Profiles")),)))
