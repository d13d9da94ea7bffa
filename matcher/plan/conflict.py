"""Conflict of interest: a project and a provider of the same institution (申报单位 and 资源方名称,
one containing the other) do not meet unless pinned — except a provider that serves only its own
institution's people (an alumni fund, a tech-transfer office: `prose.Scope.members_only`), for
whom those are the only meetings there are."""

from __future__ import annotations

from matcher import prose
from matcher.schema import Resource
from matcher.text.fold import same_organisation


def serves_only_its_people(resource: Resource) -> bool:
    return prose.provider_scope(resource.description, resource.region).members_only


def in_conflict(institution: str, resource_name: str, serves_own: bool = False) -> bool:
    """The project's institution and the provider are one institution, and the provider is not
    one that serves only its own people."""
    return bool(institution) and not serves_own and same_organisation(institution, resource_name)
