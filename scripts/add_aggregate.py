#!/usr/bin/env python3
"""Adds an aggregate through every layer: `make aggregate NAME=equipment FIELDS="..."`.

    python3 scripts/add_aggregate.py equipment serial:text location:text? commissioned:date

Field types: text, integer, decimal, boolean, date, datetime (or date-time); a trailing
`?` makes a field optional. It writes new files only, each found by the module it is
(no list to edit): the domain type and its invariants, the repository port, an adapter
for every store family the project kept (memory, SQL and its Alembic migration, MongoDB
when kept), the use cases, the routes with `NAME:read` and `NAME:write` scopes, the
JSON shapes, and the tests: the port's contract over every adapter, the domain's rules,
and the HTTP API over memory, SQLite and PostgreSQL. Nothing is written when a name or a
field is refused. docs/template.md walks through what it makes.
"""

from __future__ import annotations

import argparse
import keyword
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Names every aggregate has, or that its generated code uses beside the fields.
RESERVED_FIELDS = {
    "id", "version", "created_at", "updated_at", "changes", "now", "actor", "cls", "self",
    "record", "new_id", "uow", "current", "revised", "limit", "after", "if_version",
    "caller", "body", "response", "hexa", "checked", "changed", "new", "fields",
}  # fmt: skip
# Names an aggregate cannot take: tables, lines of revisions and unit-of-work attributes
# the project has already (its own tables are read from the SQL adapters).
RESERVED_NAMES = {"core", "example", "alembic_version", "commit", "rollback", "conftest"}
TYPES = {"date-time": "datetime"}


@dataclass(frozen=True)
class Kind:
    """How one field type lives in each layer."""

    python: str  # the annotation in the domain and the services
    column: str  # the SQLAlchemy column type
    schema_in: str  # the request type (strict: no value guessed from another JSON type)
    schema_out: str
    sample: str  # a JSON value for the tests, as Python source
    other: str  # a second, different value
    domain_sample: str  # the same as the domain holds it
    to_mongo: str  # expression of `v` as Mongo stores it
    from_mongo: str  # expression of `v` back


KINDS = {
    "text": Kind("str", "sa.String(MAX_TEXT)", "Text", "str", '"alpha"', '"beta"', '"alpha"',
                 "v", "v"),
    "integer": Kind("int", "sa.BigInteger()", "Integer", "int", "7", "8", "7", "v", "v"),
    "decimal": Kind("Decimal", "sa.String(40)", "DecimalText", "str", '"12.50"', '"13.75"',
                    'Decimal("12.50")', "str(v)", "Decimal(v)"),
    "boolean": Kind("bool", "sa.Boolean()", "StrictBool", "bool", "True", "False", "True",
                    "v", "v"),
    "date": Kind("date", "sa.Date()", "DateText", "date", '"2026-03-01"', '"2026-04-01"',
                 "date(2026, 3, 1)", "v.isoformat()", "date.fromisoformat(v)"),
    "datetime": Kind("datetime", "UtcDateTime()", "TimeText", "datetime",
                     '"2026-03-01T08:00:00Z"', '"2026-04-01T08:00:00Z"',
                     "datetime(2026, 3, 1, 8, tzinfo=UTC)", "v", "v"),
}  # fmt: skip


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    optional: bool

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    @property
    def python(self) -> str:
        return f"{self.spec.python} | None" if self.optional else self.spec.python


@dataclass(frozen=True)
class Aggregate:
    package: str
    name: str
    fields: tuple[Field, ...]
    mongo: bool

    @property
    def cls(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def words(self) -> str:
        return self.name.replace("_", " ")

    @property
    def path(self) -> str:
        return "/api/v1/" + self.name.replace("_", "-")

    @property
    def upper(self) -> str:
        return self.name.upper()

    @property
    def bundle(self) -> str:
        """The composition root's bundle of services: the package's name in PascalCase."""
        return "".join(part.capitalize() for part in self.package.split("_"))

    def files(self) -> dict[str, str]:
        p, n = f"src/{self.package}", self.name
        written = {
            f"{p}/domain/{n}.py": domain(self),
            f"{p}/ports/{n}.py": port(self),
            f"{p}/adapters/{n}_records.py": records(self),
            f"{p}/adapters/memory/{n}.py": memory(self),
            f"{p}/adapters/sql/{n}.py": sql(self),
            f"db/migrations/versions/{n}/{n}_0001_{n}.py": migration(self),
            f"{p}/services/{n}.py": service(self),
            f"{p}/bootstrap/areas/{n}.py": wiring(self),
            f"{p}/drivers/http/{n}_schemas.py": schemas(self),
            f"{p}/drivers/http/routes/{n}.py": routes(self),
            f"tests/unit/test_{n}.py": unit_tests(self),
            f"tests/contract/test_{n}_repository.py": contract_tests(self),
            f"tests/http/test_{n}.py": http_tests(self),
        }
        if self.mongo:
            written[f"{p}/adapters/mongo/{n}.py"] = mongo(self)
        return written


class Refused(Exception):
    """A name or a field this script will not write; the message says why."""


def parse(package: str, name: str, specs: list[str], root: Path) -> Aggregate:
    if not re.fullmatch(r"[a-z][a-z0-9_]*[a-z0-9]", name) or "__" in name:
        raise Refused(f"NAME {name!r}: lowercase letters, digits and single '_', from a letter")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise Refused(f"NAME {name!r} is a Python keyword")
    if name in ("tests", "scripts", "conftest", package):
        raise Refused(f"NAME {name!r} would hide a module the project imports")
    taken = [
        f"src/{package}/{layer}/{name}.py"
        for layer in (
            "domain",
            "ports",
            "services",
            "adapters/memory",
            "adapters/sql",
            "drivers/http/routes",
            "bootstrap",
        )  # fmt: skip
        if (root / f"src/{package}/{layer}/{name}.py").exists()
    ] + [str(d) for d in (root / "db/migrations/versions" / name,) if d.exists()]
    if taken or name in _ports(root, package):
        raise Refused(f"NAME {name!r} exists already ({', '.join(taken) or 'a repository port'})")
    if name in RESERVED_NAMES | _tables_and_lines(root, package):
        raise Refused(
            f"NAME {name!r} is taken: a table, a line of revisions or a unit-of-work name"
        )
    clashing = {f"{verb}_{name}" for verb in _ROUTE_VERBS} & _route_names(root, package)
    if clashing:
        raise Refused(
            f"NAME {name!r} is taken: a route is named {sorted(clashing)[0]} already "
            "(route names are the API's operationIds)"
        )
    if not specs:
        raise Refused('FIELDS is empty: name at least one, e.g. FIELDS="serial:text"')
    fields: list[Field] = []
    for spec in specs:
        match = re.fullmatch(r"([a-z][a-z0-9_]*):([a-z-]+)(\?)?", spec)
        if match is None:
            raise Refused(f"field {spec!r}: write name:type, or name:type? when optional")
        field_name, kind, optional = match[1], TYPES.get(match[2], match[2]), bool(match[3])
        if kind not in KINDS:
            raise Refused(f"field {spec!r}: the type is one of {', '.join([*KINDS, 'date-time'])}")
        if keyword.iskeyword(field_name) or field_name in RESERVED_FIELDS:
            raise Refused(f"field {field_name!r} is a Python keyword or a name every aggregate has")
        if field_name in {f.name for f in fields}:
            raise Refused(f"field {field_name!r} is named twice")
        fields.append(Field(field_name, kind, optional))
    mongo = (root / f"src/{package}/adapters/mongo").is_dir()
    return Aggregate(package, name, tuple(fields), mongo)


def _ports(root: Path, package: str) -> set[str]:
    """Ports the project's repositories serve already (the core's and each area's)."""
    found = {"users", "api_keys", "sessions", "audit", "outbox"}
    for module in (root / f"src/{package}/adapters/memory").glob("*.py"):
        declared = re.search(r"REPOSITORIES = \{([^}]*)\}", module.read_text())
        if declared:
            found |= set(re.findall(r'"([a-z_]+)":', declared[1]))
    return found


def _tables_and_lines(root: Path, package: str) -> set[str]:
    """The project's SQL tables and its lines of revisions (branch labels)."""
    found: set[str] = set()
    for module in (root / f"src/{package}/adapters/sql").glob("*.py"):
        found |= set(re.findall(r'sa\.Table\(\s*"([a-z_0-9]+)"', module.read_text()))
    for revision in (root / "db/migrations/versions").rglob("*.py"):
        found |= set(re.findall(r'branch_labels = \("([a-z_0-9]+)",\)', revision.read_text()))
    return found


# The routes an aggregate gets, `{verb}_{name}` (`list_rule`...).
_ROUTE_VERBS = ("list", "create", "get", "revise", "delete")


def _route_names(root: Path, package: str) -> set[str]:
    """The names of the project's routes: its async functions under drivers/http/routes."""
    found: set[str] = set()
    for module in (root / f"src/{package}/drivers/http/routes").glob("*.py"):
        found |= set(re.findall(r"^async def ([a-z_0-9]+)\(", module.read_text(), re.M))
    return found


def _package(root: Path) -> str:
    found = [p.parent.name for p in (root / "src").glob("*/__init__.py")]
    if len(found) != 1:
        raise Refused(f"expected one package under {root / 'src'}, found {found}")
    return found[0]


# --- the domain ----------------------------------------------------------------------


def domain(a: Aggregate) -> str:
    P, C = a.package, a.cls
    imports = {"import dataclasses", "from dataclasses import dataclass", "from typing import Any"}
    dt = {"datetime"}
    for f in a.fields:
        if f.kind == "date":
            dt.add("date")
        if f.kind == "decimal":
            imports.add("from decimal import Decimal")
    fields = "\n".join(f"    {f.name}: {f.python}" for f in a.fields)
    args = ", ".join(f.name for f in a.fields)
    params = "".join(f"        {f.name}: {f.python},\n" for f in a.fields)
    checks = "\n".join(_check(f) for f in a.fields)
    times = [f for f in a.fields if f.kind == "datetime"]
    stored = ".in_milliseconds()" if times else ""
    precision = ""
    if times:
        cut = ", ".join(
            f"{f.name}=None if self.{f.name} is None else _milliseconds(self.{f.name})"
            if f.optional
            else f"{f.name}=_milliseconds(self.{f.name})"
            for f in times
        )
        precision = f'''

    def in_milliseconds(self) -> {C}:
        """Times as every store keeps them, to the millisecond (MongoDB keeps no more)."""
        return dataclasses.replace(self, {cut})'''

    return f'''"""{C}: {", ".join(f.name for f in a.fields)}. Made by `make aggregate`: its invariants
live in `checked`, which every new version passes."""

from __future__ import annotations

{chr(10).join(sorted(i for i in imports if i.startswith("import")))}
{chr(10).join(sorted(i for i in imports if i.startswith("from")))}
from datetime import {", ".join(sorted(dt))}

from {P}.domain.access import Role, Scope
from {P}.domain.errors import ValidationError
from {P}.domain.text import check_text

# Who may read and change {a.words}, besides an admin.
{a.upper}_READ = Scope("{a.name}:read")
{a.upper}_WRITE = Scope("{a.name}:write")
SCOPES = {{{a.upper}_READ: (Role.INSPECTOR, Role.VIEWER), {a.upper}_WRITE: (Role.INSPECTOR,)}}
MAX_TEXT = 500
MAX_DECIMAL = 40  # written out, as SQL stores it


@dataclass(frozen=True, slots=True)
class {C}:
    id: str
{fields}
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def new(
        cls,
        *,
        id: str,
{params}        now: datetime,
    ) -> {C}:
        return cls(id, {args}, 1, now, now){stored}.checked()

    def changed(self, changes: dict[str, Any], *, now: datetime) -> {C}:
        """The next version, with the fields in `changes` replaced."""
        unknown = set(changes) - FIELDS
        if unknown:
            raise ValidationError(f"{a.words} has no field {{sorted(unknown)}}")
        return dataclasses.replace(
            self, **changes, version=self.version + 1, updated_at=now
        ){stored}.checked()

    def checked(self) -> {C}:
        """Itself, once every field holds what {a.words} may hold; `ValidationError`
        naming the first field that does not."""
{checks}
        return self{precision}


FIELDS = frozenset({{{", ".join(f'"{f.name}"' for f in a.fields)}}})
{_milliseconds_helper(times)}'''


def _milliseconds_helper(times: list[Field]) -> str:
    if not times:
        return ""
    return """

def _milliseconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
"""


def _check(f: Field) -> str:
    value = f"self.{f.name}"
    required = (
        f'        if {value} is None:\n            raise ValidationError("{f.name} is required")\n'
        if not f.optional
        else ""
    )
    guard = f"        if {value} is not None:\n" if f.optional else "        if True:\n"
    body = {
        "text": f'''            if not check_text("{f.name}", {value}).strip():
                raise ValidationError("{f.name} is empty")
            if len({value}) > MAX_TEXT:
                raise ValidationError(f"{f.name} is longer than {{MAX_TEXT}} characters")''',
        "integer": f'''            if not -(2**63) <= {value} < 2**63:
                raise ValidationError("{f.name} is beyond a 64-bit integer")''',
        "decimal": f'''            if not {value}.is_finite() or len(str({value})) > MAX_DECIMAL:
                raise ValidationError(f"{f.name} must be a finite number of {{MAX_DECIMAL}} characters at most")''',
        "datetime": f'''            if {value}.tzinfo is None:
                raise ValidationError("{f.name} must carry its offset from UTC")''',
    }.get(f.kind)
    if body is None:
        return required.rstrip("\n")
    if not f.optional:
        return required + body.replace("            ", "        ")
    lines = body.splitlines()
    if len(lines) == 2:  # one condition: `if x is not None and ...`, not an if in an if
        condition = lines[0].strip().removeprefix("if ").removesuffix(":")
        return f"        if {value} is not None and {condition}:\n    {lines[1].lstrip()}".replace(
            "\n    raise", "\n            raise"
        )
    return guard + body


# --- the port --------------------------------------------------------------------------


def port(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    return f'''"""The {a.words} repository, and the unit of work its use cases need.

As every repository, it lives inside a unit of work: writes last once that unit commits,
and a version guards each update where the write happens (`{P}.ports.uow`).
"""

from __future__ import annotations

from typing import Protocol

from {P}.domain.{n} import {C}
from {P}.ports.uow import UnitOfWork


class {C}Repository(Protocol):
    async def get(self, {n}_id: str) -> {C}:
        """The {a.words} with this id. Raises `NotFound` if there is none."""
        ...

    async def add(self, {n}: {C}) -> None:
        """Stores a new {a.words}. Raises `Conflict` if its id is taken."""
        ...

    async def update(self, {n}: {C}, *, expected_version: int) -> None:
        """Replaces the stored {a.words} with the same id, if its version is still
        `expected_version`. Raises `NotFound` if it is gone and `StaleVersion` if another
        writer replaced it first (at this call, or at commit for stores that check there)."""
        ...

    async def delete(self, {n}_id: str, *, expected_version: int | None = None) -> None:
        """Removes it. Raises `NotFound` if there is none, and `StaleVersion` if
        `expected_version` is given and the stored version differs."""
        ...

    async def page(self, *, limit: int, after: str | None = None) -> list[{C}]:
        """Up to `limit` of them in id order (ids sort by creation time), after `after`."""
        ...


class {C}UnitOfWork(UnitOfWork, Protocol):
    """The core's unit of work, with the {a.words} of the same store."""

    {n}: {C}Repository


class {C}UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> {C}UnitOfWork:
        """As `UnitOfWorkFactory`."""
        ...
'''


# --- the adapters ------------------------------------------------------------------------


def _as(f: Field, convert: str, value: str) -> str:
    """`value` for a decimal field converted by `convert` (None kept where the field is
    optional); any other field's as it is."""
    if f.kind != "decimal":
        return value
    return (
        f"None if {value} is None else {convert}({value})" if f.optional else f"{convert}({value})"
    )


def _column(f: Field, *, indent: int) -> str:
    """Its column, alike in the table and in the migration that makes it."""
    kind = f.spec.column.replace("MAX_TEXT", "500")
    return f'{" " * indent}sa.Column("{f.name}", {kind}, nullable={f.optional}),'


def records(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    to_mongo = "\n".join(
        f'        "{f.name}": None if record["{f.name}"] is None else {f.spec.to_mongo.replace("v", f"record[{f.name!r}]")},'
        if f.spec.to_mongo != "v"
        else f'        "{f.name}": record["{f.name}"],'
        for f in a.fields
    )
    from_mongo = "\n".join(
        f'        "{f.name}": None if document["{f.name}"] is None else {f.spec.from_mongo.replace("v", f"document[{f.name!r}]")},'
        if f.spec.from_mongo != "v"
        else f'        "{f.name}": document["{f.name}"],'
        for f in a.fields
    )
    sql_record = "\n".join(
        f'        "{f.name}": {_as(f, "str", f"{n}.{f.name}")},' for f in a.fields
    )
    sql_entity = ", ".join(f"{f.name}={_as(f, 'Decimal', f'record[{f.name!r}]')}" for f in a.fields)
    imports = ["from typing import Any"]
    if any(f.kind == "decimal" for f in a.fields):
        imports.append("from decimal import Decimal")
    if any(f.kind == "date" for f in a.fields):
        imports.append("from datetime import date")
    return f'''"""{C} as plain records: the row SQL stores, and the document MongoDB stores (which
has no date without a time, nor an exact decimal: both go as text)."""

from __future__ import annotations

{chr(10).join(sorted(imports))}

from {P}.domain.{n} import {C}


def {n}_record({n}: {C}) -> dict[str, Any]:
    return {{
        "id": {n}.id,
{sql_record}
        "version": {n}.version,
        "created_at": {n}.created_at,
        "updated_at": {n}.updated_at,
    }}


def {n}_from(record: Any) -> {C}:
    return {C}(
        id=record["id"],
        {sql_entity},
        version=record["version"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
    )


def {n}_document({n}: {C}) -> dict[str, Any]:
    record = {n}_record({n})
    return record | {{
{to_mongo}
    }}


def {n}_from_document(document: Any) -> {C}:
    return {n}_from(dict(document) | {{
{from_mongo}
    }})
'''


def memory(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    return f'''"""{C} in memory."""

from __future__ import annotations

from {P}.adapters.memory.repositories import MemoryRepository
from {P}.adapters.memory.tables import MemoryTables
from {P}.domain.{n} import {C}


class Memory{C}Repository(MemoryRepository[{C}]):
    async def page(self, *, limit: int, after: str | None = None) -> list[{C}]:
        return self._page(limit, after, lambda _: True)


def _{n}(tables: MemoryTables) -> Memory{C}Repository:
    return Memory{C}Repository(*tables.open("{n}", "{a.words}"))


# What a memory session finds here, by port (`{P}.adapters.memory.database`).
REPOSITORIES = {{"{n}": _{n}}}
'''


def sql(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    columns = "\n".join(_column(f, indent=4) for f in a.fields)
    return f'''"""{C} in SQL: its table, and its repository."""

from __future__ import annotations

import sqlalchemy as sa

from {P}.adapters.{n}_records import {n}_from, {n}_record
from {P}.adapters.sql.repositories import SqlRepository
from {P}.adapters.sql.tables import UtcDateTime, metadata
from {P}.domain.{n} import {C}

{n}_table = sa.Table(
    "{n}",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
{columns}
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)


class Sql{C}Repository(SqlRepository[{C}]):
    kind = "{a.words}"
    table = {n}_table

    _record = staticmethod({n}_record)
    _entity = staticmethod({n}_from)

    async def page(self, *, limit: int, after: str | None = None) -> list[{C}]:
        return await self._rows(self._page_query(limit, after))


# What a SQL session finds here, by port (`{P}.adapters.sql.database`).
REPOSITORIES = {{"{n}": Sql{C}Repository}}
'''


def migration(a: Aggregate) -> str:
    P, n = a.package, a.name
    columns = "\n".join(_column(f, indent=8) for f in a.fields)
    return f'''"""{a.words}: its table, a line of revisions of its own (made by `make aggregate`)

Revision ID: {n}_0001
Revises:
Create Date: (made by scripts/add_aggregate.py)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from {P}.adapters.sql.tables import UtcDateTime

revision = "{n}_0001"
down_revision = None
branch_labels = ("{n}",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "{n}",
        sa.Column("id", sa.String(36), nullable=False),
{columns}
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_{n}"),
    )


def downgrade() -> None:
    op.drop_table("{n}")
'''


def mongo(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    return f'''"""{C} in MongoDB."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from {P}.adapters.{n}_records import {n}_document, {n}_from_document
from {P}.adapters.mongo.repositories import Document, MongoRepository
from {P}.adapters.staging import StagedWrites
from {P}.domain.{n} import {C}


class Mongo{C}Repository(MongoRepository[{C}]):
    kind = "{a.words}"
    _record = staticmethod({n}_document)
    _entity = staticmethod({n}_from_document)

    async def page(self, *, limit: int, after: str | None = None) -> list[{C}]:
        return await self._page(limit, after, {{}}, lambda _: True)


def _{n}(db: AsyncDatabase[Document]) -> Mongo{C}Repository:
    return Mongo{C}Repository(db["{n}"], StagedWrites("{a.words}"))


# What a Mongo session finds here, by port (`{P}.adapters.mongo.database`).
REPOSITORIES = {{"{n}": _{n}}}
'''


# --- the use cases and their wiring --------------------------------------------------------


def service(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    params = "".join(f"        {f.name}: {f.python},\n" for f in a.fields)
    args = "".join(f"            {f.name}={f.name},\n" for f in a.fields)
    imports = (
        {"from datetime import datetime"} if any(f.kind == "datetime" for f in a.fields) else set()
    )
    if any(f.kind == "date" for f in a.fields):
        imports = {"from datetime import date" + (", datetime" if imports else "")}
    if any(f.kind == "decimal" for f in a.fields):
        imports.add("from decimal import Decimal")
    return f'''"""The use cases of {a.words}: record, read, page, revise, delete, each audited."""

from __future__ import annotations

{chr(10).join(sorted(imports | {"from typing import Any"}))}

from {P}.domain.errors import StaleVersion
from {P}.domain.identity import new_id
from {P}.domain.{n} import {C}
from {P}.ports.clock import Clock
from {P}.ports.{n} import {C}UnitOfWorkFactory
from {P}.services.audit import record
from {P}.services.pages import Page, fetch_page


class {C}Service:
    def __init__(self, uow: {C}UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def create(
        self,
        actor: str,
        *,
{params}    ) -> {C}:
        {n} = {C}.new(
            id=new_id(),
{args}            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.{n}.add({n})
            await record(uow, self._clock, actor, "{n}.created", {n}.id)
            await uow.commit()
        return {n}

    async def get(self, {n}_id: str) -> {C}:
        async with self._uow(read_only=True) as uow:
            return await uow.{n}.get({n}_id)

    async def page(self, *, limit: int, after: str | None = None) -> Page[{C}]:
        async with self._uow(read_only=True) as uow:
            return await fetch_page(lambda n: uow.{n}.page(limit=n, after=after), limit)

    async def revise(
        self, actor: str, {n}_id: str, changes: dict[str, Any], *, if_version: int
    ) -> {C}:
        """Replaces the fields in `changes`, if the {a.words} is still at `if_version`."""
        async with self._uow() as uow:
            current = await uow.{n}.get({n}_id)
            if current.version != if_version:
                raise StaleVersion(
                    f"{a.words} {{{n}_id}} is at version {{current.version}}, not {{if_version}}"
                )
            revised = current.changed(changes, now=self._clock.now())
            await uow.{n}.update(revised, expected_version=current.version)
            await record(uow, self._clock, actor, "{n}.revised", {n}_id, fields=sorted(changes))
            await uow.commit()
        return revised

    async def delete(self, actor: str, {n}_id: str, *, if_version: int | None = None) -> None:
        async with self._uow() as uow:
            await uow.{n}.delete({n}_id, expected_version=if_version)
            await record(uow, self._clock, actor, "{n}.deleted", {n}_id)
            await uow.commit()
'''


def wiring(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    return f'''"""{C}: its use cases, from the core's unit of work and clock."""

from __future__ import annotations

from {P}.bootstrap.areas import Area, Core
from {P}.services.{n} import {C}Service


def wire(core: Core) -> Area:
    return Area(services=({C}Service(core.uow, core.clock),))
'''


# --- the HTTP driver ---------------------------------------------------------------------------


def schemas(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    ins = "\n".join(
        f"    {f.name}: {_in_type(f)}{' = None' if f.optional else ''}" for f in a.fields
    )
    patches = "\n".join(f"    {f.name}: {_in_type(f, optional=True)} = None" for f in a.fields)
    outs = "\n".join(
        f"    {f.name}: {f.spec.schema_out}{' | None' if f.optional else ''}" for f in a.fields
    )
    copied = "\n".join(f"            {f.name}={_as(f, 'str', f'{n}.{f.name}')}," for f in a.fields)
    kinds = {f.kind for f in a.fields}
    dt = sorted({"datetime"} | ({"date"} if "date" in kinds else set()))
    pyd = ["BaseModel", "ConfigDict", "Field"] + (["StrictBool"] if "boolean" in kinds else [])
    typing = ["Annotated", "Any"] if kinds & {"decimal", "date"} else ["Annotated"]
    if kinds & {"decimal", "date"}:
        pyd.append("BeforeValidator")
    if "decimal" in kinds:
        pyd.append("WithJsonSchema")
    extra = ""
    if "date" in kinds:
        extra += """

def _date_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("a date must be an ISO 8601 string, e.g. 2026-03-01")
    return value


# A date as the schema says it: text, e.g. "2026-03-01".
DateText = Annotated[date, BeforeValidator(_date_text)]"""
    if "decimal" in kinds:
        extra += """

def _decimal_text(value: Any) -> Any:
    if not isinstance(value, str):  # a JSON number would already have lost digits
        raise ValueError("a decimal must be a string of digits, e.g. \\"12.50\\"")
    return value


# An exact decimal as the schema says it: text, e.g. "12.50".
DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    WithJsonSchema({"type": "string", "examples": ["12.50"]}),
]"""
    return f'''"""The JSON shapes of {a.words}, from and to the domain's."""

from __future__ import annotations

from datetime import {", ".join(dt)}
{"from decimal import Decimal" if "decimal" in kinds else ""}
{"from typing import " + ", ".join(typing) if typing else ""}

from pydantic import {", ".join(sorted(pyd))}

from {P}.domain.{n} import MAX_TEXT, {C}
{"from " + P + ".drivers.http.identity_schemas import TimeText" if "datetime" in kinds else ""}

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT, strict=True)]
Integer = Annotated[int, Field(ge=-(2**63), lt=2**63, strict=True)]{extra}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class {C}In(_In):
{ins}


class {C}Patch(_In):
    """Only the fields sent change; `null` clears an optional one."""

{patches}


class {C}Out(BaseModel):
    id: str
{outs}
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, {n}: {C}) -> {C}Out:
        return cls(
            id={n}.id,
{copied}
            version={n}.version,
            created_at={n}.created_at,
            updated_at={n}.updated_at,
        )
'''


def _in_type(f: Field, *, optional: bool = False) -> str:
    base = f.spec.schema_in
    return f"{base} | None" if optional or f.optional else base


def routes(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    return f'''"""{C}: `{a.path}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from {P}.domain.access import Principal
from {P}.domain.{n} import {a.upper}_READ, {a.upper}_WRITE
from {P}.drivers.http.{n}_schemas import {C}In, {C}Out, {C}Patch
from {P}.drivers.http.auth import require
from {P}.drivers.http.dependencies import (
    OptionalVersion,
    PagingParams,
    RequiredVersion,
    Services,
    encode_cursor,
    etag,
)
from {P}.drivers.http.guarded import GuardedRoute
from {P}.drivers.http.openapi import problems
from {P}.drivers.http.schemas import PageOut
from {P}.services.{n} import {C}Service

router = APIRouter(prefix="{a.path}", tags=["{a.words}"], route_class=GuardedRoute)
Reader = Annotated[Principal, Depends(require({a.upper}_READ))]
Writer = Annotated[Principal, Depends(require({a.upper}_WRITE))]


@router.get("")
async def list_{n}(_: Reader, hexa: Services, paging: PagingParams) -> PageOut[{C}Out]:
    page = await hexa.service({C}Service).page(limit=paging.limit, after=paging.after)
    return PageOut(
        items=[{C}Out.of(item) for item in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_{n}(
    caller: Writer, body: {C}In, hexa: Services, response: Response
) -> {C}Out:
    {n} = await hexa.service({C}Service).create(caller.actor, **body.model_dump())
    response.headers["Location"] = f"{{router.prefix}}/{{{n}.id}}"
    response.headers["ETag"] = etag({n}.version)
    return {C}Out.of({n})


@router.get("/{{{n}_id}}")
async def get_{n}(_: Reader, {n}_id: str, hexa: Services, response: Response) -> {C}Out:
    {n} = await hexa.service({C}Service).get({n}_id)
    response.headers["ETag"] = etag({n}.version)
    return {C}Out.of({n})


@router.patch("/{{{n}_id}}", responses=problems(409))
async def revise_{n}(
    caller: Writer,
    {n}_id: str,
    body: {C}Patch,
    hexa: Services,
    version: RequiredVersion,
    response: Response,
) -> {C}Out:
    """Changes the fields sent, if the {a.words} is still the version `If-Match` names."""
    changes = body.model_dump(exclude_unset=True)
    {n} = await hexa.service({C}Service).revise(caller.actor, {n}_id, changes, if_version=version)
    response.headers["ETag"] = etag({n}.version)
    return {C}Out.of({n})


@router.delete("/{{{n}_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_{n}(
    caller: Writer, {n}_id: str, hexa: Services, version: OptionalVersion
) -> None:
    await hexa.service({C}Service).delete(caller.actor, {n}_id, if_version=version)
'''


# --- the tests -------------------------------------------------------------------------------


def _sample_body(a: Aggregate, which: str = "sample") -> str:
    return "{" + ", ".join(f'"{f.name}": {getattr(f.spec, which)}' for f in a.fields) + "}"


def _domain_args(a: Aggregate) -> str:
    return ", ".join(f"{f.name}={f.spec.domain_sample}" for f in a.fields)


def _domain_imports(a: Aggregate) -> str:
    kinds = {f.kind for f in a.fields}
    lines = []
    dt = [
        x
        for x, k in (("UTC", "datetime"), ("date", "date"), ("datetime", "datetime"))
        if k in kinds
    ]
    if dt:
        lines.append(f"from datetime import {', '.join(dt)}")
    if "decimal" in kinds:
        lines.append("from decimal import Decimal")
    return "\n".join(lines)


def unit_tests(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    texts = [f for f in a.fields if f.kind == "text"]
    required = [f for f in a.fields if not f.optional]
    text_tests = ""
    if texts:
        t = texts[0]
        text_tests = f'''

@pytest.mark.parametrize("bad", ["", "   ", "a\\x00b", "x" * 501])
def test_text_that_cannot_be_kept_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="{t.name}"):
        a_{n}({t.name}=bad)
'''
    required_tests = ""
    if required:
        r = required[0]
        required_tests = f'''

def test_a_required_field_cannot_be_cleared() -> None:
    with pytest.raises(ValidationError, match="{r.name} is required"):
        a_{n}().changed({{"{r.name}": None}}, now=T0)
'''
    return f'''"""{C}: what it may hold, and how a new version is made."""

from __future__ import annotations

{_domain_imports(a)}
from typing import Any

import pytest

from {P}.domain.errors import ValidationError
from {P}.domain.identity import new_id
from {P}.domain.{n} import {C}
from tests.builders import T0


def a_{n}(**fields: Any) -> {C}:
    return {C}.new(id=new_id(), now=T0, **({{{", ".join(f'"{f.name}": {f.spec.domain_sample}' for f in a.fields)}}} | fields))


def test_a_new_{n}_is_version_1_with_what_it_was_given() -> None:
    {n} = a_{n}()

    assert {n}.version == 1 and {n}.created_at == {n}.updated_at == T0
    assert ({", ".join(f"{n}.{f.name}" for f in a.fields)},) == ({", ".join(f.spec.domain_sample for f in a.fields)},)


def test_a_change_makes_the_next_version() -> None:
    {n} = a_{n}()

    changed = {n}.changed({{}}, now=T0.replace(hour=9))

    assert changed.version == 2 and changed.updated_at == T0.replace(hour=9)
    assert changed.created_at == {n}.created_at


def test_a_change_to_a_field_it_does_not_have_is_refused() -> None:
    with pytest.raises(ValidationError, match="no field"):
        a_{n}().changed({{"colour": "red"}}, now=T0)
{text_tests}{required_tests}'''


def contract_tests(a: Aggregate) -> str:
    P, C, n = a.package, a.cls, a.name
    return f'''"""The {C}Repository contract, for every backend the project kept."""

from __future__ import annotations

import pytest

from {P}.domain.errors import Conflict, NotFound, StaleVersion
from tests.builders import T0
from tests.unit.test_{n} import a_{n}


async def _store(uow, *items):
    async with uow() as u:
        for item in items:
            await u.{n}.add(item)
        await u.commit()


async def test_a_stored_{n}_reads_back_equal(uow) -> None:
    {n} = a_{n}()
    await _store(uow, {n})

    async with uow(read_only=True) as u:
        assert await u.{n}.get({n}.id) == {n}


async def test_an_unknown_id_is_not_found(uow) -> None:
    async with uow(read_only=True) as u:
        with pytest.raises(NotFound):
            await u.{n}.get("nope")


async def test_an_id_is_stored_once(uow) -> None:
    {n} = a_{n}()
    await _store(uow, {n})

    with pytest.raises(Conflict):
        await _store(uow, {n})


async def test_an_update_needs_the_stored_version(uow) -> None:
    {n} = a_{n}()
    await _store(uow, {n})
    changed = {n}.changed({{}}, now=T0)

    with pytest.raises(StaleVersion):
        async with uow() as u:
            await u.{n}.update(changed, expected_version={n}.version + 1)
            await u.commit()
    async with uow() as u:
        await u.{n}.update(changed, expected_version={n}.version)
        await u.commit()
    async with uow(read_only=True) as u:
        assert (await u.{n}.get({n}.id)).version == 2


async def test_a_deleted_{n}_is_gone(uow) -> None:
    {n} = a_{n}()
    await _store(uow, {n})

    async with uow() as u:
        await u.{n}.delete({n}.id, expected_version={n}.version)
        await u.commit()

    async with uow(read_only=True) as u:
        with pytest.raises(NotFound):
            await u.{n}.get({n}.id)


async def test_pages_run_in_id_order_after_the_given_id(uow) -> None:
    stored = [a_{n}() for _ in range(3)]
    await _store(uow, *stored)
    ids = sorted(item.id for item in stored)

    async with uow(read_only=True) as u:
        after_first = [item.id for item in await u.{n}.page(limit=200, after=ids[0])]

    assert after_first == sorted(after_first)
    assert ids[1:] == [i for i in after_first if i in ids]
'''


def http_tests(a: Aggregate) -> str:
    P, n, B = a.package, a.name, a.bundle
    first = a.fields[0]
    empty = "{}, " if any(not f.optional for f in a.fields) else ""  # nothing to send
    return f'''"""`{a.path}` through the app, over memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from {P}.bootstrap import {B}
from {P}.domain.access import Role, role_scopes
from tests.http.api import assert_problem
from tests.http.backends import BACKENDS, served

PATH = "{a.path}"
BODY = {_sample_body(a)}
OTHER = {_sample_body(a, "other")}


@pytest.fixture(params=BACKENDS)
async def api(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[{B}, httpx.AsyncClient]]:
    """The app over one backend, and a client signed in as an admin."""
    postgres = request.getfixturevalue("postgres_server") if request.param == "postgres" else None
    async with served(request.param, tmp_path, postgres) as both:
        yield both


@pytest.fixture
def client(api: tuple[{B}, httpx.AsyncClient]) -> httpx.AsyncClient:
    return api[1]


@pytest.fixture
def viewer(api: tuple[{B}, httpx.AsyncClient]) -> dict[str, str]:
    token = api[0].tokens.issue("viewer", role_scopes(Role.VIEWER), kind="service")
    return {{"Authorization": f"Bearer {{token}}"}}


async def _created(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.post(PATH, json=BODY)
    assert response.status_code == 201, response.text
    return response


async def test_a_created_{n}_reads_back_with_its_etag(client: httpx.AsyncClient) -> None:
    created = await _created(client)

    read = await client.get(created.headers["Location"])

    assert read.status_code == 200
    assert read.headers["ETag"] == created.headers["ETag"] == \'"1"\'
    assert read.json() == created.json()
    assert {{k: read.json()[k] for k in BODY}} == BODY


async def test_a_revision_needs_if_match_and_the_current_version(
    client: httpx.AsyncClient,
) -> None:
    location = (await _created(client)).headers["Location"]
    change = {{"{first.name}": OTHER["{first.name}"]}}

    assert_problem(await client.patch(location, json=change), 428)
    assert_problem(await client.patch(location, json=change, headers={{"If-Match": \'"7"\'}}), 412)
    revised = await client.patch(location, json=change, headers={{"If-Match": \'"1"\'}})

    assert revised.status_code == 200, revised.text
    assert revised.json()["{first.name}"] == OTHER["{first.name}"]
    assert revised.json()["version"] == 2 and revised.headers["ETag"] == \'"2"\'


async def test_a_deleted_{n}_is_404(client: httpx.AsyncClient) -> None:
    location = (await _created(client)).headers["Location"]

    assert (await client.delete(location, headers={{"If-Match": \'"1"\'}})).status_code == 204
    assert_problem(await client.get(location), 404)


async def test_the_list_pages_through_every_{n}(client: httpx.AsyncClient) -> None:
    made = {{(await _created(client)).json()["id"] for _ in range(3)}}
    seen: list[str] = []
    cursor = None
    while True:
        page = await client.get(PATH, params={{"limit": 2}} | ({{"cursor": cursor}} if cursor else {{}}))
        assert page.status_code == 200
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    assert made <= set(seen) and len(seen) == len(set(seen))


@pytest.mark.parametrize("body", [{empty}BODY | {{"unknown": 1}}, {{k: [] for k in BODY}}])
async def test_a_body_it_cannot_take_is_a_422_problem(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    assert_problem(await client.post(PATH, json=body), 422)


async def test_a_viewer_reads_but_cannot_write(
    client: httpx.AsyncClient, viewer: dict[str, str]
) -> None:
    location = (await _created(client)).headers["Location"]

    assert (await client.get(location, headers=viewer)).status_code == 200
    assert_problem(await client.post(PATH, json=BODY, headers=viewer), 403)
'''


# --- writing ---------------------------------------------------------------------------------------


def write(root: Path, aggregate: Aggregate) -> list[Path]:
    """Writes every file, or none: a file already there stops it before the first."""
    files = {root / path: text for path, text in aggregate.files().items()}
    existing = [str(p.relative_to(root)) for p in files if p.exists()]
    if existing:
        raise Refused(f"would overwrite {', '.join(existing)}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(re.sub(r"\n{3,}(?=from |import )", "\n\n", text))
    _formatted(root, list(files))
    return list(files)


def _formatted(root: Path, paths: list[Path]) -> None:
    """The project's own ruff sorts the imports and formats what was written."""
    ruff = root / ".venv" / "bin" / "ruff"
    command = str(ruff) if ruff.exists() else shutil.which("ruff")
    if command is None:
        print("add_aggregate: no ruff found; run `make lint` to format the new files")
        return
    names = [str(p) for p in paths]
    subprocess.run([command, "check", "--quiet", "--fix", "--select", "I,F401", *names],
                   cwd=root, check=False)  # fmt: skip
    subprocess.run([command, "format", "--quiet", *names], cwd=root, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the aggregate, in snake_case: equipment, pump_station")
    parser.add_argument("fields", nargs="*", help="name:type or name:type? (optional)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project's folder")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    try:
        package = _package(root)
        aggregate = parse(package, args.name, [s for f in args.fields for s in f.split()], root)
        written = write(root, aggregate)
    except Refused as refusal:
        print(f"add_aggregate: {refusal}; nothing written", file=sys.stderr)
        return 2
    print(f"{aggregate.cls}: {len(written)} files, at {aggregate.path}")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print("next: `make migrate`, then `make test`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
