"""Profile facets: the built-in ones and the extra fields moderators define."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

BUILTIN_FIELDS = ("role", "team", "topics", "offers", "wants", "timezone", "languages", "about")


class ExtraField(BaseModel):
    description: str = Field("", max_length=100)
    multiple: bool = Field(False, description="A comma-separated list rather than one value.")
    allowed: list[str] = Field(default_factory=list, description="If set, only these values are accepted.")


class ProfileSettings(BaseModel):
    about_max_length: int = Field(300, ge=20, le=2000, description="Longest 'about' text.")
    max_items: int = Field(10, ge=1, le=50, description="Most values in a list facet (topics, offers, ...).")
    value_max_length: int = Field(60, ge=10, le=200, description="Longest single facet value.")
    extra_fields: dict[str, ExtraField] = Field(default_factory=dict, description="Extra facet fields.")
    required_for_matching: list[Literal["role", "topics", "timezone", "languages"]] = Field(
        default_factory=list, description="Facets a member must fill in before joining rounds."
    )

    @field_validator("extra_fields")
    @classmethod
    def _names(cls, v: dict[str, ExtraField]) -> dict[str, ExtraField]:
        for name in v:
            if not name.isidentifier() or not name.islower() or len(name) > 30:
                raise ValueError(f"field name {name!r} must be lower-case letters, digits and _")
            if name in BUILTIN_FIELDS:
                raise ValueError(f"field name {name!r} is built in")
        return v
