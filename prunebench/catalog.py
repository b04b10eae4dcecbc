"""`prunebench list`: every registered name with a line saying what it is, read from the source without importing
it (importing the registries loads torch: seconds). A name is found where the code registers it
(`@<REGISTRY>.register("name")` on a definition, or `<REGISTRY>.register("name")(value)`), its line is the first
line of the registered definition's docstring. A test holds this catalogue equal to the live registries."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SECTIONS = {  # heading -> the registry's variable name, as the code spells it
    "data sets": "DATASETS", "detection data sets": "DETECTION_DATA", "models": "MODELS", "methods": "METHODS",
    "prune sets": "PRUNE_SETS", "scales": "SCALES",
}
METHOD_DECORATOR = "register"  # methods register through `prunebench.methods.base.register`


def registered_name(call: ast.expr, constants: dict[str, str]) -> tuple[str, str] | None:
    """(registry variable, name) of `X.register("name")` or `register("name")` (methods), else None; a name given
    as a module constant is looked up in `constants`."""
    if not (isinstance(call, ast.Call) and call.args):
        return None
    arg = call.args[0]
    name = arg.value if isinstance(arg, ast.Constant) else constants.get(arg.id) if isinstance(arg, ast.Name) else None
    if not isinstance(name, str):
        return None
    target = call.func
    if isinstance(target, ast.Attribute) and target.attr == "register" and isinstance(target.value, ast.Name):
        return target.value.id, name
    if isinstance(target, ast.Name) and target.id == METHOD_DECORATOR:
        return "METHODS", name
    return None


def first_line(node: ast.AST | None, limit: int = 90) -> str:
    """The docstring's first sentence, cut to `limit` characters."""
    doc = ast.get_docstring(node) if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else None
    if not doc:
        return ""
    sentence = " ".join(doc.split()).split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def string_constants(tree: ast.Module) -> dict[str, str]:
    return {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for t in node.targets if isinstance(t, ast.Name)}


def entry_definition(value: ast.expr) -> ast.AST | None:
    """The definition a lazy entry "package.module:name" names (read from its file, not imported), if it is one."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and ":" in value.value):
        return None
    module, _, name = value.value.partition(":")
    path = PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")
    if not path.exists():
        return None
    return next((node for node in ast.parse(path.read_text(encoding="utf-8")).body
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name), None)


def entries() -> dict[str, dict[str, str]]:
    """{heading: {name: description}} for every registration under the package."""
    found: dict[str, dict[str, str]] = {heading: {} for heading in SECTIONS}
    heading_of = {variable: heading for heading, variable in SECTIONS.items()}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = string_constants(tree)
        for node in ast.walk(tree):
            calls = [(d, node) for d in getattr(node, "decorator_list", [])]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):  # X.register("name")(value)
                calls.append((node.func, entry_definition(node.args[0]) if node.args else None))
            for call, definition in calls:
                hit = registered_name(call, constants)
                if hit and hit[0] in heading_of:
                    found[heading_of[hit[0]]][hit[1]] = first_line(definition)
    return found


def render(reproductions: dict[str, str]) -> str:
    """The catalogue, one name a line under its heading, then the reproductions (`<paper>/<table>`: module)."""
    lines = []
    for heading, names in [*entries().items(), ("reproductions", reproductions)]:
        lines.append(f"{heading}:")
        width = max((len(n) for n in names), default=0)
        lines += [f"  {name:<{width}}  {what}".rstrip() for name, what in sorted(names.items())]
    return "\n".join(lines)
