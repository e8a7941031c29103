"""The package's shape: every import points down, and no module imports itself back in a circle.

Read from the source with ``ast``, so an import counts wherever it is written: at the top, inside
a function, or under ``if TYPE_CHECKING`` (a type is a dependency too). Each module has a layer
(docs/layout.md draws them); a module may import its own layer or a lower one, never a higher
one, and the graph of imports between modules has no cycle. A new module must be given a layer
here, with the reason, before the test passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "s3presign"

# Lowest first. Prefix rules (ending in ".") cover a package's modules.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("ground", ("_errors", "_files", "_http", "_encoding", "_credentials")),
    ("pure steps of the specs and shared rules", ("_sigv4", "_sigv4a", "_sigv2", "_arn", "_endpoints", "_checks",
                                                  "_uri")),
    ("settings in, settings out (never a signer)", ("_ini", "_local_credentials", "_credential_sources",
                                                    "_config", "_stores")),
    ("the signing core", ("_signer",)),
    ("wings: they take a Signer", ("_post", "_bulk", "arrow", "_inspect", "_express", "_listing", "_html",
                                   "_request_options", "scale", "scale.", "_cloudfront")),
    ("the front door", ("_presigner", "__init__", "_boto3")),  # the package re-exports the boto3 door
    ("front-ends: argv, HTTP, frameworks", ("cli", "_completion", "_help", "_suggest", "_durations", "__main__", "service", "service.", "django", "django.")),
]

# Edges that exist for a reason the layers do not show yet: (importer, imported) -> why. Empty
# is the goal; an entry here is a known defect.
PENDING: dict[tuple[str, str], str] = {}


def layer_of(module: str) -> int:
    for number, (_, names) in enumerate(LAYERS):
        for name in names:
            if module == name or (name.endswith(".") and module.startswith(name)) or (
                    name.startswith("_cloudfront") and module.startswith("_cloudfront")):
                return number
    raise AssertionError(f"module s3presign.{module} has no layer: add it to LAYERS in tests/test_layers.py "
                         "(and docs/layout.md)")


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imports(path: Path, src: Path = SRC) -> set[str]:
    """The package modules ``path`` imports, anywhere in the file (relative and absolute)."""
    name = module_name(path, src)
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    if name == "__init__":
        package = []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else list(package)
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and (node.module == "s3presign" or node.module.startswith("s3presign.")):
                target = node.module[len("s3presign."):] if node.module != "s3presign" else ""
            else:
                continue
            for alias in node.names:  # "from . import _sigv4" names a module; "from ._x import y" does not
                sub = f"{target}.{alias.name}" if target else alias.name
                found.add(sub if (src / Path(*sub.split("."))).with_suffix(".py").exists()
                          or (src / Path(*sub.split("."))).is_dir() else (target or "__init__"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("s3presign."):
                    found.add(alias.name[len("s3presign."):])
                elif alias.name == "s3presign":
                    found.add("__init__")
    found.discard(name)
    return {"__init__" if module == "" else module for module in found}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) for path in sorted(SRC.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    for module in graph():
        layer_of(module)


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for module, targets in graph().items():
        for target in sorted(targets):
            if layer_of(target) > layer_of(module) and (module, target) not in PENDING:
                upward.append(f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} "
                              f"({LAYERS[layer_of(target)][0]})")
    assert upward == []


def test_the_import_graph_has_no_circle() -> None:
    edges = {module: {t for t in targets if (module, t) not in PENDING} for module, targets in graph().items()}
    assert find_cycle(edges) is None


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``edges`` as a list of modules (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(edges):
        if module not in state and (cycle := visit(module)) is not None:
            return cycle
    return None


# -- the checker itself catches what it should ---------------------------------------------------


def test_function_level_and_type_only_imports_count(tmp_path: Path) -> None:
    for name in ("_signer", "_presigner", "cli", "__init__", "_errors"):
        (tmp_path / f"{name}.py").write_text("")
    (tmp_path / "_sigv4.py").write_text(
        "from ._errors import Error\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from ._signer import Signer\n"
        "def f():\n    from . import _presigner\n    import s3presign.cli\n    from s3presign import Presigner\n")
    assert imports(tmp_path / "_sigv4.py", tmp_path) == {"_errors", "_signer", "_presigner", "cli", "__init__"}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "_x.py").write_text("from .._signer import Signer\nfrom . import _y\n")
    (tmp_path / "sub" / "_y.py").write_text("")
    assert imports(tmp_path / "sub" / "_x.py", tmp_path) == {"_signer", "sub._y"}


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
