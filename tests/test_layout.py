"""The package's import structure: no cycles, no imports of another subpackage's private modules.

Every ``import`` statement of every module counts, those inside functions too: an
import deferred into a function is still a dependency, and a cycle through one is
still a cycle.
"""

import ast
from pathlib import Path

import medcnn

PACKAGE = Path(medcnn.__file__).parent


def _modules():
    """Dotted name -> (path, is_package) of every module of medcnn."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _imported(module, is_package, node, modules):
    """The medcnn modules an import statement reaches."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # "from package import name": the submodule when name is one, else the package
        names = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in modules else prefix
                 for alias in node.names]
    found = set()
    for name in names:
        if not name.startswith("medcnn"):
            continue
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        found.add(name)
    return found


def import_graph():
    """Module -> the medcnn modules it imports."""
    modules = _modules()
    graph = {}
    for module, (path, is_package) in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps |= _imported(module, is_package, node, modules)
        graph[module] = deps - {module}
    return graph, modules


def _private_owner(name):
    """The package owning ``name`` when ``name`` is a private module (``_x``), else None."""
    last = name.rsplit(".", 1)[-1]
    return name.rsplit(".", 1)[0] if last.startswith("_") and not last.startswith("__") else None


def test_no_module_imports_another_subpackages_private_module():
    graph, modules = import_graph()
    offending = []
    for module, deps in graph.items():
        package = module if modules[module][1] else module.rsplit(".", 1)[0]
        for dep in deps:
            owner = _private_owner(dep)
            # a private module may be imported from its own package and below it
            if owner is not None and not (package == owner or package.startswith(owner + ".")):
                offending.append(f"{module} imports {dep}")
    assert not offending, "imports of another subpackage's private module:\n" + "\n".join(sorted(offending))


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph.get(node, ()):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
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


def test_no_import_cycle():
    graph, _ = import_graph()
    assert _cycles(graph) == []


def test_the_checks_see_a_cycle_and_a_private_import():
    graph = {"medcnn.a._x": {"medcnn.b._y"}, "medcnn.b._y": {"medcnn.a._x"}}
    assert _cycles(graph) == [["medcnn.a._x", "medcnn.b._y"]]
    assert _private_owner("medcnn.b._y") == "medcnn.b"
    assert _private_owner("medcnn.b") is None
    graph, _ = import_graph()
    assert "medcnn.estimators._classifier" in graph["medcnn.estimators"]  # the walk resolves relative imports
    assert "medcnn._runtime" in graph["medcnn.estimators._params"]



#: modules allowed past MAX_LINES, with the reason (docs/architecture.rst lists them too)
LONG_MODULES = {
    "architectures/_pretrained.py": "the table of ImageNet backbones, their weights and download checks",
    "evaluation/_bootstrap.py": "three patient-level bootstrap procedures",
    "datasets/_loaders.py": "the built-in loaders and their skip policy",
}
MAX_LINES = 450


def test_modules_stay_short():
    long = {str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
            for path in PACKAGE.rglob("*.py")}
    over = {name: n for name, n in long.items() if n > MAX_LINES and name not in LONG_MODULES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def test_estimators_holds_few_modules_and_the_classifier_few_bases():
    modules = sorted(path.name for path in (PACKAGE / "estimators").glob("*.py"))
    assert len(modules) <= 10, modules
    assert len(medcnn.CNNClassifier.__bases__) <= 3, medcnn.CNNClassifier.__bases__
