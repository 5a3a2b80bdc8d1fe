"""The tests of problems that go through the example domain (inspections, rules, packets): left out with it."""

from __future__ import annotations
