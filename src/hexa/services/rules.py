"""Managing the validation rules."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from hexa.domain.checks import check_from
from hexa.domain.errors import StaleVersion, Unavailable, ValidationError
from hexa.domain.identity import new_id
from hexa.domain.rules import Rule, Severity
from hexa.ports.clock import Clock
from hexa.ports.inspections import InspectionsUnitOfWorkFactory
from hexa.ports.security import ChangeCounter
from hexa.services.pages import Page, fetch_page

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """What a client says a rule is: everything but identity, version and timestamps."""

    name: str
    key: str
    kind: str
    params: dict[str, Any]
    severity: str = Severity.ERROR
    enabled: bool = True
    description: str = ""


def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ValidationError(f"severity must be 'error' or 'warning', not {value!r}") from None


class RuleService:
    def __init__(
        self, uow: InspectionsUnitOfWorkFactory, clock: Clock, changes: ChangeCounter
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes  # moved after each change: workers drop the rules they keep

    async def create(self, draft: RuleDraft) -> Rule:
        rule = Rule.new(
            id=new_id(),
            name=draft.name,
            key=draft.key,
            check=check_from(draft.kind, draft.params),
            severity=_severity(draft.severity),
            enabled=draft.enabled,
            description=draft.description,
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.rules.add(rule)
            await uow.commit()
        await self._announce()
        return rule

    async def get(self, rule_id: str) -> Rule:
        async with self._uow(read_only=True) as uow:
            return await uow.rules.get(rule_id)

    async def page(self, *, limit: int, after: str | None = None) -> Page[Rule]:
        async with self._uow(read_only=True) as uow:
            return await fetch_page(lambda n: uow.rules.page(limit=n, after=after), limit)

    async def replace(self, rule_id: str, draft: RuleDraft, *, if_version: int | None) -> Rule:
        check = check_from(draft.kind, draft.params)
        async with self._uow() as uow:
            current = await uow.rules.get(rule_id)
            _require_version(current, if_version)
            rule = current.replaced_by(
                name=draft.name,
                key=draft.key,
                check=check,
                severity=_severity(draft.severity),
                enabled=draft.enabled,
                description=draft.description,
                now=self._clock.now(),
            )
            await uow.rules.update(rule, expected_version=current.version)
            await uow.commit()
        await self._announce()
        return rule

    async def delete(self, rule_id: str, *, if_version: int | None = None) -> None:
        async with self._uow() as uow:
            await uow.rules.delete(rule_id, expected_version=if_version)
            await uow.commit()
        await self._announce()

    async def _announce(self) -> None:
        # The change is saved: a counter out of reach must not fail the request (a retry
        # would make it twice). Workers then see it when their copy ages out.
        try:
            await self._changes.bump()
        except Unavailable as error:
            log.warning("rules changed, not announced to the workers: %s", error.detail)


def _require_version(current: Rule, if_version: int | None) -> None:
    if if_version is not None and current.version != if_version:
        raise StaleVersion(f"rule {current.id} is at version {current.version}, not {if_version}")
