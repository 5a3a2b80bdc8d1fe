"""The RuleRepository contract, for every backend."""

from __future__ import annotations

import pytest

from hexa.domain.checks import check_from
from hexa.domain.errors import Conflict, NotFound, StaleVersion
from hexa.domain.rules import Severity
from tests.inspection_builders import a_rule

EVERY_KIND = [
    ("required", {}),
    ("min", {"min": -4.5}),
    ("max", {"max": 80}),
    ("range", {"min": 1, "max": 2}),
    ("one_of", {"options": ["ok", 3, True, 2.5]}),
    ("regex", {"pattern": r"[A-Z]{2}-\d+"}),
    ("equals", {"expected": "sealed"}),
]


async def _store(uow, *rules):
    async with uow() as u:
        for rule in rules:
            await u.rules.add(rule)
        await u.commit()


@pytest.mark.parametrize(("kind", "params"), EVERY_KIND, ids=[k for k, _ in EVERY_KIND])
async def test_every_kind_of_rule_reads_back_equal(uow, kind, params) -> None:
    rule = a_rule(kind, severity=Severity.WARNING, **params)
    await _store(uow, rule)
    async with uow() as u:
        assert await u.rules.get(rule.id) == rule


async def test_rule_names_are_unique(uow) -> None:
    await _store(uow, a_rule(name="temp limit"))
    with pytest.raises(Conflict):
        await _store(uow, a_rule(name="temp limit"))


async def test_renaming_onto_a_taken_name_is_a_conflict(uow, clock) -> None:
    first, second = a_rule(name="first"), a_rule(name="second")
    await _store(uow, first, second)
    renamed = second.replaced_by(
        name="first",
        key=second.key,
        check=second.check,
        severity=second.severity,
        enabled=True,
        description="",
        now=clock.now(),
    )
    with pytest.raises(Conflict):
        async with uow() as u:
            await u.rules.update(renamed, expected_version=1)
            await u.commit()
    async with uow() as u:
        assert (await u.rules.get(second.id)).name == "second"


async def test_a_stale_rule_replacement_is_rejected(uow, clock) -> None:
    rule = a_rule()
    await _store(uow, rule)
    changed = rule.replaced_by(
        name=rule.name,
        key="pressure",
        check=check_from("min", {"min": 1}),
        severity=rule.severity,
        enabled=True,
        description="",
        now=clock.now(),
    )
    async with uow() as u:
        await u.rules.update(changed, expected_version=1)
        await u.commit()
    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.rules.update(changed, expected_version=1)
            await u.commit()
    async with uow() as u:
        assert await u.rules.get(rule.id) == changed


async def test_enabled_lists_only_enabled_rules_in_id_order(uow) -> None:
    on_a, off, on_b = a_rule(), a_rule(enabled=False), a_rule("min")
    await _store(uow, on_b, off, on_a)
    async with uow() as u:
        assert await u.rules.enabled() == sorted([on_a, on_b], key=lambda r: r.id)


async def test_a_deleted_rule_is_gone(uow) -> None:
    rule = a_rule()
    await _store(uow, rule)
    async with uow() as u:
        await u.rules.delete(rule.id, expected_version=1)
        await u.commit()
    async with uow() as u:
        with pytest.raises(NotFound):
            await u.rules.get(rule.id)
        assert await u.rules.enabled() == []


async def test_rule_pages_follow_id_order(uow) -> None:
    rules = [a_rule() for _ in range(5)]
    await _store(uow, *rules)
    async with uow() as u:
        first = await u.rules.page(limit=2)
        rest = await u.rules.page(limit=10, after=first[-1].id)
    assert [r.id for r in first + rest] == sorted(r.id for r in rules)
