"""The sandbox every BPMN/DMN expression and script runs in (RestrictedPython + budgets).

Three layers: RestrictedPython rewrites the code so attribute, item and iteration access
go through guards (no dunder names, no imports, no exec); a small allow-list of builtins
and helpers is all the code can name; and a per-thread trace function enforces a step and
time budget (``signal.alarm`` only works in the main thread, and web requests run in
threads). Operators that can allocate without bound (``*``, ``**``, ``<<``, ``+``) go
through a size guard.
"""
import ast
import builtins
import functools
import sys
import time
from datetime import date, datetime, timedelta

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence

from engine.errors import SandboxViolation
from engine.sandbox.guards import (
    SPEC_NUMBER,
    check_sized,
    checked_arguments,
    guarded_apply,
    guarded_binop,
    guarded_getattr,
    guarded_getitem,
    guarded_inplace,
    guarded_range,
    guarded_str,
    guarded_sum,
)
from engine.sandbox.helpers import HELPERS

FILENAME = "<forlob-sandbox>"
MAX_STEPS = 200_000        # traced lines + calls per evaluation
MAX_SECONDS = 1.0          # wall time of a direct call; in a worker, the click's remaining budget
MAX_SOURCE = 100_000       # characters of one expression or script


class _BudgetExceeded(BaseException):
    """Raised inside sandboxed code when its budget is spent (not catchable by `except Exception`)."""


class GuardingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus size guards on allocating operators and format specs."""

    GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}

    def visit_BinOp(self, node):
        """Route allocating binary operators through `_binop_`."""
        node = self.node_contents_visit(node)
        symbol = self.GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_Call(self, node):
        """Route direct calls of str() through `_str_` (the text of a container is made in C);
        `str` itself stays the type, so isinstance(x, str) keeps working."""
        node = super().visit_Call(node)
        target = node.args[0] if isinstance(node.func, ast.Name) and \
            node.func.id == "_apply_" and node.args else node.func
        if isinstance(target, ast.Name) and target.id == "str":
            target.id = "_str_"
        return node

    def _sized(self, node):
        return ast.fix_missing_locations(ast.copy_location(ast.Call(
            func=ast.Name("_sized_", ast.Load()), args=[node], keywords=[]), node))

    def visit_Compare(self, node):
        """Comparing (and hashing) nested containers runs in C: size-check the operands."""
        node = self.node_contents_visit(node)
        node.left = self._sized(node.left)
        node.comparators = [self._sized(c) for c in node.comparators]
        return node

    def _sized_display(self, node):
        node = self.node_contents_visit(node)
        return self._sized(node) if isinstance(getattr(node, "ctx", ast.Load()), ast.Load) \
            else node

    # Displays are size-checked, so `x = [x, x]` cannot double a shared structure unseen.
    visit_List = visit_Tuple = visit_Set = visit_Dict = _sized_display

    def visit_ListComp(self, node):
        """List comprehensions, size-checked like displays."""
        return self._sized(super().visit_ListComp(node))

    def visit_SetComp(self, node):
        """Set comprehensions, size-checked like displays."""
        return self._sized(super().visit_SetComp(node))

    def visit_DictComp(self, node):
        """Dict comprehensions, size-checked like displays."""
        return self._sized(super().visit_DictComp(node))

    def visit_Try(self, node):
        """Refuse try statements: a handler could swallow the budget's stop signal."""
        self.error(node, "try/except is not allowed in the sandbox.")
        return node

    visit_TryStar = visit_Try

    def visit_Import(self, node):
        """Refuse every import."""
        self.error(node, "import is not allowed in the sandbox.")
        return node

    visit_ImportFrom = visit_Import

    def visit_FormattedValue(self, node):
        """Refuse f-string format specs with huge widths or precisions."""
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            for part in parts:
                if not isinstance(part, ast.Constant) or SPEC_NUMBER.search(str(part.value)):
                    self.error(node, "Format specs must be short literal specs.")
        node = self.node_contents_visit(node)
        # format() of a value runs in C, beyond the step budget: check its size first.
        node.value = ast.fix_missing_locations(ast.copy_location(ast.Call(
            func=ast.Name("_sized_", ast.Load()), args=[node.value], keywords=[]), node.value))
        return node


SAFE_BUILTINS = {
    name: getattr(builtins, name) for name in (
        "len", "min", "max", "sum", "abs", "round", "int", "str", "float", "bool", "sorted",
        "any", "all", "list", "dict", "tuple", "set", "enumerate", "zip", "reversed",
        "isinstance", "divmod", "True", "False", "None", "ValueError", "KeyError",
        "TypeError", "ZeroDivisionError")
}
SAFE_BUILTINS.update(range=guarded_range, sum=guarded_sum, date=date, datetime=datetime,
                     timedelta=timedelta)
SAFE_BUILTINS.update({name: checked_arguments(getattr(builtins, name))
                      for name in ("sorted", "min", "max", "dict", "set")})

GUARDS = {
    "__builtins__": SAFE_BUILTINS,
    "__name__": "sandbox",
    "__metaclass__": None,
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": guarded_apply,
    "_inplacevar_": guarded_inplace,
    "_binop_": guarded_binop,
    "_sized_": check_sized,
    "_str_": guarded_str,
}
GUARDS.update(HELPERS)
INJECTED = frozenset(GUARDS)


@functools.lru_cache(maxsize=4096)
def compile_code(source, mode="eval"):
    """Compile `source` under the sandbox policy; raise SandboxViolation on refusal."""
    if not isinstance(source, str):
        raise SandboxViolation(f"expression must be text, not {type(source).__name__}")
    if len(source) > MAX_SOURCE:
        raise SandboxViolation(f"code longer than {MAX_SOURCE} characters", limit="size")
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source.strip() if mode == "eval" else source, filename=FILENAME,
                          policy=GuardingTransformer)
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        # CPython's parser and compiler recurse on nesting: deep code fails here, not later.
        raise SandboxViolation(f"the code is too deeply nested to compile "
                               f"({type(exc).__name__})", limit="size") from None
    if result.errors:
        raise SandboxViolation("; ".join(result.errors))
    return result.code


class _Budget:
    """A trace function that stops sandboxed code after too many steps or too much time."""

    def __init__(self, steps, seconds):
        self.steps_left = steps
        self.deadline = time.monotonic() + seconds
        self.exceeded = None

    def _spend(self):
        self.steps_left -= 1
        # The clock is read on every step: one slow C call between two sparse checks
        # could otherwise run for hundreds of times its own length past the deadline.
        if self.exceeded or self.steps_left < 0 or time.monotonic() > self.deadline:
            self.exceeded = self.exceeded or (
                "steps" if self.steps_left < 0 else "time")
            raise _BudgetExceeded(self.exceeded)

    def trace(self, frame, event, arg):
        """Global trace: count every call; trace lines only inside sandboxed code."""
        self._spend()
        return self.local if frame.f_code.co_filename == FILENAME else None

    def local(self, frame, event, arg):
        """Local trace: count lines (each loop iteration passes one)."""
        if event == "line":
            self._spend()
        return self.local


BUDGET_TEXT = {"steps": "step budget spent", "time": "time limit exceeded"}


def run(code, namespace, mode, seconds=None):
    """Run compiled code in namespace under the budget; translate escapes into SandboxViolation."""
    budget = _Budget(MAX_STEPS, MAX_SECONDS if seconds is None else seconds)
    previous = sys.gettrace()
    sys.settrace(budget.trace)
    try:
        # The trace is removed before any handler runs: a handler's own calls would otherwise
        # be traced, and once the budget is spent every traced call raises again.
        try:
            if mode == "eval":
                result = eval(code, namespace)  # noqa: S307  (RestrictedPython-compiled, guarded namespace)
            else:
                exec(code, namespace)  # noqa: S102  (RestrictedPython-compiled, guarded namespace)
                result = True
        finally:
            sys.settrace(previous)
    except _BudgetExceeded as exc:
        raise SandboxViolation(BUDGET_TEXT[str(exc)], limit=str(exc)) from None
    except RecursionError:
        raise SandboxViolation("recursion too deep", limit="recursion") from None
    except MemoryError:
        raise SandboxViolation("memory limit exceeded", limit="memory") from None
    except NameError as exc:
        if getattr(exc, "name", None) in vars(builtins):
            raise SandboxViolation(f"name '{exc.name}' is not available in the sandbox") from None
        raise
    if budget.exceeded:
        raise SandboxViolation(BUDGET_TEXT[budget.exceeded], limit=budget.exceeded)
    return check_sized(result, "result")


def evaluate(expression, data, extra=None, seconds=None):
    """Evaluate an expression against workflow data (and extra names) in the sandbox."""
    code = compile_code(expression, "eval")
    namespace = dict(extra or {})
    namespace.update(data)
    namespace.update(GUARDS)
    return run(code, namespace, "eval", seconds)


def execute(script, data, extra=None, seconds=None):
    """Execute a script that reads and writes `data` in place, in the sandbox."""
    code = compile_code(script, "exec")
    clobbered = {k: data[k] for k in INJECTED if k in data}
    namespace = data
    namespace.update(extra or {})
    namespace.update(GUARDS)
    try:
        run(code, namespace, "exec", seconds)
    finally:
        for key in list(namespace):
            if key in INJECTED or key in (extra or {}) or callable(namespace[key]):
                namespace.pop(key)
        namespace.update(clobbered)
    # What a script leaves behind is serialised, copied and shown outside every budget.
    check_sized(namespace, "data the script leaves")
    return True
