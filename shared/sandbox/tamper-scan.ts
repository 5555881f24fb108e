// The static scan for verdict tampering, as Python source: the sandbox runner runs it inside the
// container with Python's own `ast` parser, before pytest, on every .py file of the run. It names
// constructs that can change how a test run ends or is reported (exit hooks, hard exits, pytest
// hooks and internals, sys.modules and builtins patching, tracing, frame walking). It is a net for
// the known tricks, not a proof: computed names (getattr with built strings) can slip past it; the
// runner's structured, cross-checked report is the second line.
//
// Defines scan_tampering(tree) -> [(line, what)]. Code under `if __name__ == "__main__":` is never
// run by pytest and is skipped; sys.exit is ordinary in a CLI function, flagged only at module level
// or in tests and fixtures.
export const TAMPER_SCAN_PY = String.raw`
import ast as _ast

# Anywhere outside the main guard: each of these changes how the test process ends or reports.
_ALWAYS = {
    "atexit.register": "atexit.register",
    "atexit._run_exitfuncs": "atexit._run_exitfuncs",
    "os._exit": "os._exit",
    "pytest.exit": "pytest.exit",
    "sys.settrace": "sys.settrace",
    "sys.setprofile": "sys.setprofile",
    "threading.settrace": "threading.settrace",
    "threading.setprofile": "threading.setprofile",
    "sys._getframe": "frame walking (sys._getframe)",
    "inspect.currentframe": "frame walking (inspect.currentframe)",
    "inspect.stack": "frame walking (inspect.stack)",
    "gc.get_objects": "heap walking (gc.get_objects)",
    "gc.get_referrers": "heap walking (gc.get_referrers)",
    "sys.addaudithook": "sys.addaudithook",
    "exec": "exec",
    "compile": "compile() (code the scan cannot read)",
}
# At module level (import time) or inside tests and fixtures only: a CLI's main() may exit.
_EXITS = {"sys.exit": "sys.exit", "exit": "exit()", "quit": "quit()"}
# At module level only: a handler installed at import outlives every test.
_IMPORT_TIME = {"signal.signal": "signal handler installed at import"}
_FORBIDDEN_MODULES = {"_pytest": "import of _pytest (pytest's internals)", "ctypes": "import of ctypes (can rewrite the interpreter)"}
_SYS_MODULES_WRITES = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}
_IMPORT_HOOK_WRITES = {"append", "insert", "extend", "__setitem__"}
_SETTERS = {"setattr", "delattr", "object"}


def _module_finding(name):
    root = name.split(".")[0]
    return _FORBIDDEN_MODULES.get(root)


def _is_main_guard(test):
    if not isinstance(test, _ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], _ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, _ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, _ast.Constant) and s.value == "__main__"]
    return bool(names and mains)


class _Scanner(_ast.NodeVisitor):
    def __init__(self):
        self.aliases = {}
        self.findings = []
        self.functions = []  # stack of (name, is_test_or_fixture)

    def add(self, node, what):
        self.findings.append((getattr(node, "lineno", 0), what))

    # --- names ---------------------------------------------------------------------------------
    def qual(self, node):
        """The dotted name an expression refers to, through import aliases and getattr("literal")."""
        if isinstance(node, _ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, _ast.Attribute):
            base = self.qual(node.value)
            return base + "." + node.attr if base else None
        if (isinstance(node, _ast.Call) and isinstance(node.func, _ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2 and isinstance(node.args[1], _ast.Constant) and isinstance(node.args[1].value, str)):
            base = self.qual(node.args[0])
            return base + "." + node.args[1].value if base else None
        if isinstance(node, _ast.Call) and self.qual(node.func) in ("__import__", "importlib.import_module") and node.args:
            first = node.args[0]
            if isinstance(first, _ast.Constant) and isinstance(first.value, str):
                return first.value
        return None

    def rooted_in(self, node, roots):
        name = self.qual(node)
        return bool(name) and name.split(".")[0] in roots

    def in_import_time_or_test(self):
        return not self.functions or any(is_test for _, is_test in self.functions)

    # --- imports -------------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            finding = _module_finding(alias.name)
            if finding:
                self.add(node, finding)
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]

    def visit_ImportFrom(self, node):
        module = node.module or ""
        finding = _module_finding(module) if node.level == 0 else None
        if finding:
            self.add(node, finding)
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = (module + "." + alias.name) if module else alias.name
            if module == "atexit" or (module, alias.name) in (("os", "_exit"), ("pytest", "exit"), ("sys", "settrace"), ("sys", "setprofile")):
                self.add(node, module + "." + alias.name)

    # --- scopes --------------------------------------------------------------------------------
    def visit_If(self, node):
        if _is_main_guard(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _function(self, node):
        if node.name.startswith("pytest_"):
            self.add(node, "pytest hook " + node.name)
        decorators = [self.qual(d.func if isinstance(d, _ast.Call) else d) or "" for d in node.decorator_list]
        is_test = node.name.startswith("test") or any(d.endswith("fixture") for d in decorators)
        self.functions.append((node.name, is_test))
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node):
        self.functions.append(("<lambda>", False))
        self.generic_visit(node)
        self.functions.pop()

    # --- references and calls ------------------------------------------------------------------
    def visit_Name(self, node):
        if node.id == "__builtins__":
            self.add(node, "__builtins__")
        if node.id == "pytest_plugins" and isinstance(node.ctx, _ast.Store):
            self.add(node, "pytest_plugins")
        if node.id == "__name__" and isinstance(node.ctx, _ast.Store):
            self.add(node, "assignment to __name__")

    def visit_Attribute(self, node):
        name = self.qual(node)
        if name in _ALWAYS:
            self.add(node, _ALWAYS[name])
        if node.attr == "pluginmanager":
            self.add(node, "pytest's plugin manager")
        if isinstance(node.ctx, (_ast.Store, _ast.Del)):
            if self.rooted_in(node.value, ("pytest", "_pytest")):
                self.add(node, "assignment to an attribute of pytest (" + (name or node.attr) + ")")
            elif self.rooted_in(node.value, ("builtins",)):
                self.add(node, "builtins patching (" + (name or node.attr) + ")")
            elif name in ("sys.modules", "sys.meta_path", "sys.path_hooks"):
                self.add(node, "assignment to " + name)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if isinstance(node.ctx, (_ast.Store, _ast.Del)):
            if self.qual(node.value) in ("sys.modules", "sys.meta_path", "sys.path_hooks"):
                self.add(node, "write to " + self.qual(node.value))
            # globals()["pytest_" + "plugins"] = ...: names the scan cannot read
            if isinstance(node.value, _ast.Call) and self.qual(node.value.func) in ("globals", "vars", "locals"):
                self.add(node, "write through " + self.qual(node.value.func) + "()")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = self.qual(node.func)
        imported = self.qual(node) if name in ("__import__", "importlib.import_module") else None
        if imported and _module_finding(imported):
            self.add(node, _module_finding(imported))
        if name in ("__import__", "importlib.import_module"):
            if imported in ("atexit", "builtins"):
                self.add(node, "dynamic import of " + imported)
            elif imported is None:
                self.add(node, "import of a computed module name")
        if name in _ALWAYS and not isinstance(node.func, _ast.Attribute):
            self.add(node, _ALWAYS[name])  # attributes are named by visit_Attribute
        if name in _EXITS and self.in_import_time_or_test():
            self.add(node, _EXITS[name] + ("" if self.functions else " at module level"))
        if name in _IMPORT_TIME and not self.functions:
            self.add(node, _IMPORT_TIME[name])
        if isinstance(node.func, _ast.Attribute):
            owner = self.qual(node.func.value)
            if owner == "sys.modules" and node.func.attr in _SYS_MODULES_WRITES:
                self.add(node, "write to sys.modules (" + node.func.attr + ")")
            if owner in ("sys.meta_path", "sys.path_hooks") and node.func.attr in _IMPORT_HOOK_WRITES:
                self.add(node, "import hook (" + owner + ")")
        setter = node.func.id if isinstance(node.func, _ast.Name) else (node.func.attr if isinstance(node.func, _ast.Attribute) else None)
        if setter in _SETTERS and node.args:
            target = node.args[0]
            if self.rooted_in(target, ("pytest", "_pytest")):
                self.add(node, setter + "() on pytest (" + (self.qual(target) or "?") + ")")
            elif isinstance(target, _ast.Constant) and isinstance(target.value, str) and target.value.split(".")[0] == "pytest":
                self.add(node, setter + "() on pytest (" + target.value + ")")
            elif isinstance(node.func, _ast.Name) and self.rooted_in(target, ("builtins",)):
                self.add(node, "builtins patching (" + setter + ")")
            elif isinstance(target, _ast.Subscript) and self.qual(target.value) == "sys.modules":
                self.add(node, setter + "() on a module taken from sys.modules")
        self.generic_visit(node)

    def visit_Raise(self, node):
        exc = node.exc.func if isinstance(node.exc, _ast.Call) else node.exc
        if exc is not None and self.qual(exc) == "SystemExit" and self.in_import_time_or_test():
            self.add(node, "raise SystemExit" + ("" if self.functions else " at module level"))
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and (node.value == "_pytest" or node.value.startswith("_pytest.")):
            self.add(node, "reference to pytest's internals (" + node.value[:60] + ")")


def scan_tampering(tree):
    """[(line, what)] for every construct in the module that can alter a test run, in line order."""
    scanner = _Scanner()
    scanner.visit(tree)
    seen, unique = set(), []
    for line, what in sorted(scanner.findings):
        if (line, what) not in seen:
            seen.add((line, what))
            unique.append((line, what))
    return unique
`;
