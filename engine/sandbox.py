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
import re
import sys
import time
from datetime import date, datetime, timedelta

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, \
    compile_restricted_exec
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, \
    guarded_unpack_sequence, safer_getattr
from RestrictedPython.transformer import IOPERATOR_TO_STR

from engine.errors import SandboxViolation
from engine.helpers import HELPERS

FILENAME = "<forlob-sandbox>"
MAX_STEPS = 200_000        # traced lines + calls per evaluation
MAX_SECONDS = 1.0          # wall time per evaluation
MAX_SIZE = 100_000         # elements/characters a guarded operator may produce
MAX_INT_BITS = 4_096       # bits an integer result may have
MAX_RANGE = 10_000         # elements of range()
# String methods that allocate in proportion to an argument, not to their input.
AMPLIFYING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs",
                                "format", "format_map"})
_SPEC_NUMBER = re.compile(r"\d{4,}")


class _BudgetExceeded(BaseException):
    """Raised inside sandboxed code when its budget is spent (not catchable by `except Exception`)."""


class GuardingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus size guards on allocating operators and format specs."""

    GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+"}

    def visit_BinOp(self, node):
        """Route allocating binary operators through `_binop_`."""
        node = self.node_contents_visit(node)
        symbol = self.GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

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
                if not isinstance(part, ast.Constant) or _SPEC_NUMBER.search(str(part.value)):
                    self.error(node, "Format specs must be short literal specs.")
        return self.node_contents_visit(node)


def _size(value):
    """Length of a sized value, or None for numbers and the like."""
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _check_int_bits(bits, op):
    if bits > MAX_INT_BITS:
        raise SandboxViolation(f"the result of '{op}' would be too large")


def guarded_binop(op, left, right):
    """Apply op after checking that the result stays within the size limits."""
    if op == "+":
        a, b = _size(left), _size(right)
        if a is not None and b is not None and a + b > MAX_SIZE:
            raise SandboxViolation("the result of '+' would be too large")
        return left + right
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            if _size(seq) is not None and isinstance(count, int) and len(seq) * count > MAX_SIZE:
                raise SandboxViolation("the result of '*' would be too large")
        if isinstance(left, int) and isinstance(right, int):
            _check_int_bits(left.bit_length() + right.bit_length(), op)
        return left * right
    if op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            _check_int_bits(max(left.bit_length(), 1) * right, op)
        return left ** right
    if op == "<<":
        if isinstance(left, int) and isinstance(right, int):
            _check_int_bits(left.bit_length() + right, op)
        return left << right
    raise SandboxViolation(f"operator {op!r} is not guarded")  # pragma: no cover


def guarded_inplace(op, target, value):
    """Augmented assignment (`x += y`) with the same guards as the plain operators."""
    symbol = op[:-1]
    if symbol in ("+", "*", "**", "<<"):
        return guarded_binop(symbol, target, value)
    return _PLAIN_INPLACE[symbol](target, value)


_PLAIN_INPLACE = {
    "-": lambda a, b: a - b, "/": lambda a, b: a / b, "//": lambda a, b: a // b,
    "%": lambda a, b: a % b, ">>": lambda a, b: a >> b, "&": lambda a, b: a & b,
    "|": lambda a, b: a | b, "^": lambda a, b: a ^ b, "@": lambda a, b: a @ b,
}
assert set(_PLAIN_INPLACE) | {"+", "*", "**", "<<"} == {k[:-1] for k in IOPERATOR_TO_STR.values()}


def guarded_getattr(obj, name, default=None):
    """Attribute access: no underscores, no inspection attributes, no amplifying str methods."""
    if isinstance(obj, str) and name in AMPLIFYING_METHODS:
        raise SandboxViolation(f"str.{name} is not allowed")
    try:
        return safer_getattr(obj, name, default)
    except (AttributeError, NotImplementedError, TypeError) as exc:
        if isinstance(name, str) and (name.startswith("_") or "restricted" in str(exc)
                                      or "not safe" in str(exc)):
            raise SandboxViolation(f"attribute '{name}' is not allowed") from None
        raise


def guarded_getitem(obj, index):
    """Item access (subscripts and slices)."""
    return obj[index]


def guarded_range(*args):
    """range() limited to MAX_RANGE elements."""
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SandboxViolation(f"range() of more than {MAX_RANGE} elements")
    return result


def guarded_apply(func, *args, **kwargs):
    """Calls with *args/**kwargs."""
    return func(*args, **kwargs)


SAFE_BUILTINS = {
    name: getattr(builtins, name) for name in (
        "len", "min", "max", "sum", "abs", "round", "int", "str", "float", "bool", "sorted",
        "any", "all", "list", "dict", "tuple", "set", "enumerate", "zip", "reversed",
        "isinstance", "divmod", "True", "False", "None", "ValueError", "KeyError",
        "TypeError", "ZeroDivisionError")
}
SAFE_BUILTINS.update(range=guarded_range, date=date, datetime=datetime, timedelta=timedelta)

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
}
GUARDS.update(HELPERS)
INJECTED = frozenset(GUARDS)


@functools.lru_cache(maxsize=4096)
def compile_code(source, mode="eval"):
    """Compile `source` under the sandbox policy; raise SandboxViolation on refusal."""
    if not isinstance(source, str):
        raise SandboxViolation(f"expression must be text, not {type(source).__name__}")
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source.strip() if mode == "eval" else source, filename=FILENAME,
                      policy=GuardingTransformer)
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
        if self.exceeded or self.steps_left < 0 or (
                self.steps_left % 512 == 0 and time.monotonic() > self.deadline):
            self.exceeded = self.exceeded or (
                "step budget spent" if self.steps_left < 0 else "time limit exceeded")
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


def run(code, namespace, mode):
    """Run compiled code in namespace under the budget; translate escapes into SandboxViolation."""
    budget = _Budget(MAX_STEPS, MAX_SECONDS)
    previous = sys.gettrace()
    sys.settrace(budget.trace)
    try:
        if mode == "eval":
            result = eval(code, namespace)
        else:
            exec(code, namespace)
            result = True
    except _BudgetExceeded as exc:
        raise SandboxViolation(str(exc)) from None
    except RecursionError:
        raise SandboxViolation("recursion too deep") from None
    except MemoryError:
        raise SandboxViolation("memory limit exceeded") from None
    except NameError as exc:
        if getattr(exc, "name", None) in vars(builtins):
            raise SandboxViolation(f"name '{exc.name}' is not available in the sandbox") from None
        raise
    finally:
        sys.settrace(previous)
    if budget.exceeded:
        raise SandboxViolation(budget.exceeded)
    return result


def evaluate(expression, data, extra=None):
    """Evaluate an expression against workflow data (and extra names) in the sandbox."""
    code = compile_code(expression, "eval")
    namespace = dict(extra or {})
    namespace.update(data)
    namespace.update(GUARDS)
    return run(code, namespace, "eval")


def execute(script, data, extra=None):
    """Execute a script that reads and writes `data` in place, in the sandbox."""
    code = compile_code(script, "exec")
    clobbered = {k: data[k] for k in INJECTED if k in data}
    namespace = data
    namespace.update(extra or {})
    namespace.update(GUARDS)
    try:
        run(code, namespace, "exec")
    finally:
        for key in list(namespace):
            if key in INJECTED or key in (extra or {}) or callable(namespace[key]):
                namespace.pop(key)
        namespace.update(clobbered)
    return True
