#!/usr/bin/env python3
"""Makes a copy of Hexa a project of its own: its names, and only the dependencies it uses.

    python3 scripts/rename_project.py acme_qc --slug acme-qc --name "Acme QC"

Copier runs it after `copier copy` and `copier update` (copier.yml `_tasks`); it needs
nothing beyond the standard library, so it also runs without Copier, on a plain clone.

1. Renames every name derived from the template's: the package (and `src/` folder), the
   `Hexa` class-like names, `HEXA_` settings, the CLI command, Redis key prefixes,
   metric names, Kubernetes object names and labels, the Postman collection, and the
   words of the README and docs.
2. Drops from `pyproject.toml` and the hashed `requirements/*.txt` the dependencies of
   the optional parts that are no longer in the tree (no `pymongo` without the Mongo
   adapters), with whatever only they pulled in; and drops the import-linter entries of
   modules that are gone.

Idempotent: a second run finds nothing left to change. The package name is fixed once
the project exists: renaming again is this script's job, never `copier update`'s.
"""

from __future__ import annotations

import argparse
import io
import keyword
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# The names this tree carries now: the template's, or, in a renamed copy of this script,
# its project's (the directives keep each in its own form).
PACKAGE = "hexa"  # rename: package
SLUG = "hexa"  # rename: slug
TITLE = "Hexa"  # rename: title

SKIPPED_DIRS = {".git", ".venv", ".venv-ops", "node_modules", ".mypy_cache", ".ruff_cache",
                ".pytest_cache", ".hypothesis", "var", "__pycache__"}  # fmt: skip
SKIPPED_FILES = {".copier-answers.yml"}
# CLI verbs: the command before them is the console script, named by the slug.
VERBS = "serve|worker-alive|worker|migrate|create-admin|token|--help"
# What follows a name that is a host's first label: hexa.example.com (a DNS name: the slug).
HOST = re.compile(r"\.[a-z0-9-]+\.[a-z]{2,}\b")
# A line ending so keeps its one quoted value in that form of the new names.
DIRECTIVE = re.compile(r'"[^"]*"(?=\s+# rename: (package|slug|title)$)', re.MULTILINE)

# The optional parts, each known by a path that exists while it is kept, and what
# only it needs: runtime dependencies, then those of the dev group.
OPTIONAL_PARTS = {
    "mongo": ("src/{package}/adapters/mongo", ["pymongo", "pymongo-async-mock"]),
    "redis": ("src/{package}/adapters/redis", ["redis"]),
    "s3": (
        "src/{package}/adapters/s3",
        ["aiobotocore", "types-aiobotocore", "moto", "flask", "flask-cors"],
    ),
    "worker": ("src/{package}/drivers/worker", ["arq"]),
    "admin_ui": ("static/admin-ui", ["playwright", "pytest-playwright"]),
    "k8s": ("k8s", ["kubernetes-validate"]),
}
REQUIREMENT_FILES = ("requirements/runtime.txt", "requirements/dev.txt", "requirements/ops.txt")


@dataclass(frozen=True)
class Names:
    package: str
    slug: str
    title: str

    @property
    def pascal(self) -> str:
        return "".join(part[:1].upper() + part[1:] for part in self.package.split("_"))


def check_names(names: Names) -> str | None:
    """What is wrong with the names, or None."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", names.package) or names.package.endswith("_"):
        return f"package name {names.package!r}: lowercase letters, digits and _, from a letter"
    if keyword.iskeyword(names.package) or names.package in sys.stdlib_module_names:
        return f"package name {names.package!r} is a Python keyword or a standard module"
    if names.package != PACKAGE and PACKAGE in re.split(r"[_0-9]+", names.package):
        return f"package name {names.package!r}: keep the template's own name out of it"
    if names.slug != SLUG and SLUG in names.slug.split("-"):
        return f"project slug {names.slug!r}: keep the template's own name out of it"
    if names.title != TITLE and TITLE.lower() in names.title.lower().split():
        return f"project name {names.title!r}: keep the template's own name out of it"
    if not re.fullmatch(r"[a-z]([a-z0-9-]{0,38}[a-z0-9])?", names.slug):
        return f"project slug {names.slug!r}: lowercase letters, digits and -, as in a DNS name"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}", names.title):
        return f"project name {names.title!r}: letters, digits, spaces, '.', '_' and '-'"
    return None


def renamer(names: Names, path: Path, modules: frozenset[str]) -> Callable[[str], str]:
    """The text rule for one file: which name each occurrence of the current ones becomes.
    `modules` are the package's top-level modules: `hexa.cli` is a module path, while
    `hexa.example.com` or `hexa.postman_collection.json` take the slug."""
    old = Names(PACKAGE, SLUG, TITLE)
    in_python = path.suffix in (".py", ".pyi")
    in_kubernetes = path.parts[:1] == ("k8s",)
    forms = sorted({old.package, old.package.upper(), old.pascal, old.title, old.slug}, key=len)
    pattern = re.compile(
        rf"(?P<before>bin/|BIN / \"|prog=\"|[-/]?)"
        rf"(?<![A-Za-z0-9])(?P<name>{'|'.join(map(re.escape, reversed(forms)))})(?![a-z0-9])"
        rf"(?P<after>\.[a-z_]+|-|(?: |\", \")(?:{VERBS})\b)?"
    )

    def rename(text: str) -> str:
        prose = _prose_spans(text) if in_python else None

        def _a_key(match: re.Match[str]) -> bool:
            # A Redis key or an image tag (hexa:queue, hexa:0.1.0): the package, as in code.
            return match.string.startswith(":", match.end("name"))

        def _a_host(match: re.Match[str]) -> bool:
            return HOST.match(match.string, match.end("name")) is not None

        def _in_code(match: re.Match[str]) -> bool:
            return prose is not None and not _within(prose, match.start("name"))

        def replace(match: re.Match[str]) -> str:
            before, name, after = match["before"], match["name"], match["after"] or ""
            if name == old.package.upper() and name != old.package:
                new = names.package.upper()
            elif name == old.title and name not in (old.package, old.slug):
                # Hexa's title is its class name too: code takes PascalCase, words the title.
                in_prose = prose is None or _within(prose, match.start("name"))
                new = names.title if in_prose else names.pascal
            elif name == old.pascal and name not in (old.package, old.slug):
                new = names.pascal
            elif name == old.slug and name != old.package:
                new = names.slug
            elif after.startswith(".") and (after[1:] in modules or _in_code(match)):
                new = names.package  # a module path, or an attribute of a variable so named
            elif after.startswith(".") and not _a_host(match):
                new = names.package  # a logger's name, a file's (acme_qc.db)
            elif after.startswith(".") or before in ("bin/", 'BIN / "', 'prog="', "-"):
                new = names.slug  # a host name, the CLI, part of a hyphenated name
            elif after or (in_kubernetes and not _a_key(match)):
                new = names.slug  # the CLI before a verb; object names and labels are DNS
            else:
                new = names.package
            return before + new + after

        kept = {m.start(): getattr(names, m[1]) for m in DIRECTIVE.finditer(text)}
        renamed = pattern.sub(replace, DIRECTIVE.sub(lambda m: f'"{kept[m.start()]}"', text))
        return renamed

    return rename


def _prose_spans(text: str) -> list[tuple[int, int]] | None:
    """Where Python text holds words rather than code: its strings and comments, by
    offset; a string that is only a name (`"Hexa"` in `__all__`) is code. None when the
    text does not tokenize."""
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    spans = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in (tokenize.STRING, tokenize.COMMENT):
                continue
            if token.type == tokenize.STRING and token.string.strip("\"'").isidentifier():
                continue
            start = offsets[token.start[0] - 1] + token.start[1]
            end = offsets[token.end[0] - 1] + token.end[1]
            spans.append((start, end))
    except (tokenize.TokenError, SyntaxError):
        return None
    return spans


def _within(spans: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in spans)


def package_modules(root: Path) -> frozenset[str]:
    """The top-level modules of the package(s) under src/ (both, in an update's render)."""
    return frozenset(
        child.stem if child.suffix == ".py" else child.name
        for package in (root / "src").glob("*/__init__.py")
        for child in package.parent.iterdir()
        if child.suffix == ".py" or (child / "__init__.py").exists()
    )


def rename_paths(root: Path, names: Names, modules: frozenset[str]) -> None:
    """Renames files and folders whose names carry the template's name, deepest first;
    where the new path exists already (an update's fresh render), files move over it."""
    for path in sorted(_walk(root, dirs=True), key=lambda p: len(p.parts), reverse=True):
        new_name = renamer(names, path.relative_to(root), modules)(path.name)
        if new_name == path.name:
            continue
        target = path.with_name(new_name)
        if path.is_dir() and target.is_dir():
            for child in sorted(path.rglob("*"), key=lambda p: len(p.parts)):
                destination = target / child.relative_to(path)
                if child.is_dir():
                    destination.mkdir(exist_ok=True)
                else:
                    child.replace(destination)
            shutil.rmtree(path)
        else:
            path.replace(target)


def rename_texts(root: Path, names: Names, modules: frozenset[str]) -> list[Path]:
    changed = []
    for path in _walk(root, dirs=False):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # images and other binaries carry no names
        new = renamer(names, path.relative_to(root), modules)(text)
        if path.relative_to(root) == Path("pyproject.toml"):
            new = _project_metadata(new, names)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def _project_metadata(text: str, names: Names) -> str:
    """The distribution and its console script are named by the slug."""
    text = re.sub(r'(?m)^name = "[^"]*"', f'name = "{names.slug}"', text, count=1)
    return re.sub(
        r'(?m)^[a-z][a-z0-9_-]* = "([a-z_]+)\.cli:main"',
        lambda m: f'{names.slug} = "{m[1]}.cli:main"',
        text,
    )


def format_python(root: Path) -> None:
    """Longer names push some lines past the line length: the project's own pinned ruff
    wraps them and re-sorts the imports, as its checks expect. Found in the project's
    venv, on PATH at the pinned version, or installed once into a cache folder."""
    ruff = _pinned_ruff(root)
    if ruff is None:
        print("rename_project: no ruff pinned in requirements/dev.txt; not formatted")
        return
    paths = [name for name in ("src", "tests", "scripts", "db") if (root / name).is_dir()]
    for command in (["format", "--quiet"], ["check", "--quiet", "--fix", "--select", "I"]):
        subprocess.run([ruff, *command, *paths], cwd=root, check=False)


def _pinned_ruff(root: Path) -> str | None:
    lock = root / "requirements" / "dev.txt"
    pin = re.search(r"(?m)^ruff==(\S+) \\\n((?:\s+--hash=\S+(?: \\)?\n)+)", lock.read_text())
    if pin is None:
        return None
    version, hashes = pin[1], re.findall(r"--hash=(\S+)", pin[2])
    for candidate in (root / ".venv" / "bin" / "ruff", shutil.which("ruff")):
        if candidate and _ruff_version(str(candidate)) == version:
            return str(candidate)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / f"ruff-{version}"
    installed = cache / "bin" / "ruff"
    if not installed.exists():
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirement:
            requirement.write(f"ruff=={version} " + " ".join(f"--hash={h}" for h in hashes))
            requirement.flush()
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "--require-hashes", "--target", str(cache), "-r", requirement.name],
                check=True,
            )  # fmt: skip
    return str(installed)


def _ruff_version(path: str) -> str | None:
    try:
        shown = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return shown.stdout.split()[-1] if shown.returncode == 0 and shown.stdout else None


def set_description(root: Path, description: str) -> None:
    pyproject = root / "pyproject.toml"
    quoted = description.replace("\\", "\\\\").replace('"', '\\"')
    text = pyproject.read_text(encoding="utf-8")
    new = re.sub(r'(?m)^description = ".*"$', lambda _: f'description = "{quoted}"', text, count=1)
    if new != text:
        pyproject.write_text(new, encoding="utf-8")


def dropped_dependencies(root: Path, package: str) -> set[str]:
    return {
        dependency
        for marker, dependencies in OPTIONAL_PARTS.values()
        if not (root / marker.format(package=package)).exists()
        for dependency in dependencies
    }


def prune_pyproject(root: Path, package: str, dropped: set[str]) -> None:
    """Removes dropped dependencies (and the comment lines just above them), mypy
    overrides and import-linter entries of modules that are gone."""
    pyproject = root / "pyproject.toml"
    lines = pyproject.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    for line in lines:
        requirement = re.match(r'\s*"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?[^"]*",?\s*$', line)
        if requirement and _canonical(requirement[1]) in dropped:
            while kept and kept[-1].lstrip().startswith("#"):
                kept.pop()
            continue
        kept.append(line)
    text = "".join(kept)

    def module_gone(match: re.Match[str]) -> str:
        module = match[2]
        parts = module.split(".")
        if parts[0] != package:
            return match[0]
        base = root / "src" / Path(*parts)
        exists = base.is_dir() or base.with_suffix(".py").exists()
        return match[0] if exists else ""

    text = re.sub(r'(\s*)"([a-z_][a-z0-9_.]*)",(?=\s)', module_gone, text)
    if "pymongo-async-mock" in dropped:
        text = text.replace(', "pymongo_async_mock.*"', "")
    if text != "".join(lines):  # untouched otherwise: make reinstalls what is newer
        pyproject.write_text(text, encoding="utf-8")


def prune_requirements(path: Path, dropped: set[str]) -> None:
    """Removes the dropped packages' blocks from a `uv pip compile` export, then every
    package that only they pulled in, as its `# via` lines say."""
    if not path.exists():
        return
    blocks = _blocks(path.read_text(encoding="utf-8"))
    gone = set(dropped)
    while True:
        more = {
            name
            for name, (_, vias) in blocks.items()
            if name not in gone and vias and all(_canonical(via) in gone for via in vias)
        }
        if not more:
            break
        gone |= more
    text = "".join(body for name, (body, _) in blocks.items() if name not in gone)
    if text != path.read_text(encoding="utf-8"):
        path.write_text(text, encoding="utf-8")


def _blocks(text: str) -> dict[str, tuple[str, list[str]]]:
    """Each package's lines, and the packages its `# via` names (the project is none)."""
    blocks: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in text.splitlines(keepends=True):
        pin = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==", line)
        if pin:
            current = _canonical(pin[1])
            blocks[current] = ("", [])
        body, vias = blocks.setdefault(current, ("", []))
        via = re.match(r"\s*#\s+via\s+(\S+)(.*)$", line) or re.match(r"\s*#\s{2,}(\S+)(.*)$", line)
        if via and not pin:
            vias.append("(project)" if "(pyproject.toml" in via[2] else via[1])
        blocks[current] = (body + line, vias)
    return blocks


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _walk(root: Path, *, dirs: bool) -> Iterable[Path]:
    for path in root.iterdir():
        skipped = path.name in SKIPPED_DIRS or path.name.endswith("_cache")
        if skipped or path.name in SKIPPED_FILES or path.is_symlink():
            continue
        if path.is_dir():
            yield from _walk(path, dirs=dirs)
            if dirs:
                yield path
        else:
            yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", help="the Python package, e.g. acme_qc")
    parser.add_argument("--slug", help="the distribution, CLI and Kubernetes name (acme-qc)")
    parser.add_argument("--name", help="the project's name in prose (Acme QC)")
    parser.add_argument("--description", help="one line for pyproject.toml")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project's folder")
    args = parser.parse_args(argv)
    names = Names(
        package=args.package,
        slug=args.slug or args.package.replace("_", "-"),
        title=args.name or args.package.replace("_", " ").title(),
    )
    problem = check_names(names)
    if problem:
        print(f"rename_project: {problem}", file=sys.stderr)
        return 2
    root: Path = args.root.resolve()
    if not (root / "pyproject.toml").exists():
        print(f"rename_project: {root} has no pyproject.toml", file=sys.stderr)
        return 2
    modules = package_modules(root)
    rename_paths(root, names, modules)
    if rename_texts(root, names, modules):
        format_python(root)
    if args.description:
        set_description(root, args.description)
    dropped = dropped_dependencies(root, names.package)
    prune_pyproject(root, names.package, dropped)
    for name in REQUIREMENT_FILES:
        prune_requirements(root / name, dropped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
