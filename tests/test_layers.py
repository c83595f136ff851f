"""The import rules of the architecture (ARCHITECTURE.md), checked on the source.

Everything outside ``rztui/tui`` must be usable without Textual or Rich, and the API client must
not know about the store. A rule broken here is a layer leaking into another.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "rztui"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of every module imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{alias.name}" for alias in node.names)
    return found


def _sources(*, exclude: tuple[str, ...] = ()) -> list[Path]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not any(rel == e or rel.startswith(e + "/") for e in exclude):
            out.append(path)
    return out


def _offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in paths:
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT.parent)} imports {name}")
    return bad


def test_core_never_imports_textual_or_rich() -> None:
    assert _offenders(_sources(exclude=("tui",)), ("textual", "rich")) == []


def test_api_never_imports_the_store_or_front_ends() -> None:
    api = [p for p in _sources() if p.relative_to(ROOT).parts[0] == "api"]
    assert api, "rztui/api is missing"
    assert _offenders(api, ("rztui.store", "rztui.tui", "rztui.cli", "rztui.service")) == []


def test_store_never_imports_the_client_or_front_ends() -> None:
    store = [p for p in _sources() if p.relative_to(ROOT).parts[0] == "store"]
    assert store, "rztui/store is missing"
    forbidden = ("rztui.api.client", "httpx", "rztui.tui", "rztui.cli")
    assert _offenders(store, forbidden) == []


def test_only_the_cli_entry_point_imports_the_tui() -> None:
    # `rztui` with no command opens the app, so the CLI may import the TUI (lazily); nothing
    # else outside rztui/tui may.
    others = [p for p in _sources(exclude=("tui",)) if p.relative_to(ROOT).parts[0] != "cli"
              and p.name != "cli.py"]
    assert _offenders(others, ("rztui.tui",)) == []


def test_no_textual_internals() -> None:
    bad = [o for o in _offenders(_sources(), ("textual",))
           if any(part.startswith("_") for part in o.split(" imports ")[1].split(".")[1:])]
    assert bad == []
