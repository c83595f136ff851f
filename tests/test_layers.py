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


def _module_graph() -> dict[str, set[str]]:
    """Module -> the rztui modules it imports (``TYPE_CHECKING`` and function-level imports
    included: a cycle a type checker or a lazy import closes is still a cycle to a reader)."""
    paths = {_module_name(p): p for p in _sources()}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        graph[name] = {m for m in _imports(path) if m in paths and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    # A package's __init__ that hands on names from its modules is not a cycle with them.
    graph = _module_graph()
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    assert _cycles(graph) == []


def test_the_cycle_check_can_fail() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_below_the_main_screen_imports_it_or_the_app() -> None:
    below = [p for p in _sources() if p.relative_to(ROOT).parts[0] == "tui"
             and p.name not in ("app.py", "main_screen.py", "launch.py", "commands.py")]
    assert _offenders(below, ("rztui.tui.app", "rztui.tui.main_screen")) == []
# -- private names of Textual and Rich: only in rztui/tui/compat.py --------------------------

COMPAT = "tui/compat.py"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_names_in(paths: list[Path]) -> set[str]:
    """Every private name these files define on a class or an object: methods, class
    attributes and attributes assigned (``self._x = ...``)."""
    names: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        names.add(item.name)
                    elif isinstance(item, ast.Assign):
                        names.update(t.id for t in item.targets if isinstance(t, ast.Name))
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        names.add(item.target.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return {n for n in names if _is_private(n)}


def _library_sources() -> list[Path]:
    import rich
    import textual

    return [p for mod in (rich, textual)
            for p in sorted(Path(mod.__file__ or "").parent.rglob("*.py"))]


def _private_uses(path: Path, library: set[str], own: set[str]) -> list[str]:
    """``x._name`` where ``_name`` is a private name of Textual or Rich that rztui never defines
    itself (so it is the library's), any ``super()._name`` of the library's, and ``rich._x`` /
    ``textual._x`` modules reached as attributes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path.name
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        value = node.value
        is_super = (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id == "super")
        is_module = isinstance(value, ast.Name) and value.id in ("rich", "textual")
        if is_module or (node.attr in library and (is_super or node.attr not in own)):
            bad.append(f"{where}:{node.lineno} uses {ast.unparse(node)}")
    return bad


def _library_overrides() -> list[str]:
    """Methods of rztui classes that replace a private method of a Textual or Rich class they
    derive from (``_on_key``, ``_on_click``): Textual calls those by their private name."""
    import importlib
    import inspect

    bad = []
    for path in _sources(exclude=(COMPAT,)):
        if path.relative_to(ROOT).parts[0] != "tui":
            continue
        module = importlib.import_module(_module_name(path))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            library = [b for b in cls.__mro__[1:]
                       if b.__module__.split(".")[0] in ("textual", "rich")]
            for name, value in vars(cls).items():
                if not (_is_private(name) and inspect.isfunction(value)):
                    continue  # class attributes Textual sets itself (_merged_bindings...)
                if any(inspect.isfunction(vars(base).get(name)) for base in library):
                    bad.append(f"{cls.__module__}.{cls.__qualname__}.{name} replaces "
                               f"a private method of {library[0].__name__}")
    return bad


def test_private_textual_and_rich_names_only_in_compat() -> None:
    own = _private_names_in(_sources())
    library = _private_names_in(_library_sources())
    imports = [o for o in _offenders(_sources(exclude=(COMPAT,)), ("textual", "rich"))
               if any(_is_private(part) for part in o.split(" imports ")[1].split(".")[1:])]
    uses = [u for p in _sources(exclude=(COMPAT,)) for u in _private_uses(p, library, own)]
    assert imports + uses + _library_overrides() == []


def test_the_private_name_check_can_fail(tmp_path: Path) -> None:
    """It finds what it is for, and leaves the code's own private names alone."""
    library = {"_exit", "_on_key", "_unnotify", "_mine"}
    source = tmp_path / "probe.py"
    source.write_text("class A:\n"
                      "    def f(self):\n"
                      "        self._mine = 1\n"
                      "        return self._mine, self._exit, super()._on_key, rich._wrap, "
                      "x._unnotify\n", encoding="utf-8")
    found = _private_uses(source, library, _private_names_in([source]) | {"_on_key"})
    assert [f.split(" uses ")[1] for f in found] == [
        "self._exit", "super()._on_key", "rich._wrap", "x._unnotify"]


def test_the_top_level_keeps_only_infrastructure() -> None:
    """Features live in packages named for what a user does (files/, answers/, live/...); the
    top level keeps what every layer stands on."""
    top = {p.stem for p in ROOT.glob("*.py")}
    assert top == {"__init__", "__main__", "config", "credentials", "formats", "service",
                   "textsafe"}
