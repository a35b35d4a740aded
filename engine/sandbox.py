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
MAX_DATA = 1_000_000       # elements + characters a value may expand to (shared parts each time)
# String methods that allocate in proportion to an argument, not to their input.
AMPLIFYING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs",
                                "format", "format_map", "translate"})
TEXT_TYPES = (str, bytes, bytearray)
_SPEC_NUMBER = re.compile(r"\d{4,}")
_PERCENT_SPEC = re.compile(r"%(\([^)]*\))?[#0 +\-]*(\*|\d{4,}|\d*\.(\*|\d{4,}))")


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
                if not isinstance(part, ast.Constant) or _SPEC_NUMBER.search(str(part.value)):
                    self.error(node, "Format specs must be short literal specs.")
        node = self.node_contents_visit(node)
        # format() of a value runs in C, beyond the step budget: check its size first.
        node.value = ast.fix_missing_locations(ast.copy_location(ast.Call(
            func=ast.Name("_sized_", ast.Load()), args=[node.value], keywords=[]), node.value))
        return node


def _size(value):
    """Length of a sized value, or None for numbers and the like."""
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def expanded_size(value, limit=MAX_DATA):
    """Elements + characters of a value as text or JSON would spell it out (shared and cyclic
    parts count every time they are reached); stops counting once past `limit`."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, TEXT_TYPES):
            total += len(item) + 1
        elif isinstance(item, dict):
            total += len(item) + 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item) + 1
            stack.extend(item)
        else:
            total += 1
    return total


def check_sized(value, what="value"):
    """Return value, or refuse it when it would expand beyond MAX_DATA."""
    if isinstance(value, (list, tuple, dict, set, frozenset)) and \
            expanded_size(value) > MAX_DATA:
        raise SandboxViolation(f"the {what} would be too large")
    return value


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
    if op == "%":
        if isinstance(left, TEXT_TYPES):  # printf-style formatting: widths and sizes
            if _PERCENT_SPEC.search(str(left)):
                raise SandboxViolation("'%' formats must use short literal widths")
            check_sized(right, "formatted value")
        return left % right
    raise SandboxViolation(f"operator {op!r} is not guarded")  # pragma: no cover


def guarded_inplace(op, target, value):
    """Augmented assignment (`x += y`) with the same guards as the plain operators."""
    symbol = op[:-1]
    if symbol in ("+", "*", "**", "<<", "%"):
        return guarded_binop(symbol, target, value)
    return _PLAIN_INPLACE[symbol](target, value)


_PLAIN_INPLACE = {
    "-": lambda a, b: a - b, "/": lambda a, b: a / b, "//": lambda a, b: a // b,
    ">>": lambda a, b: a >> b, "&": lambda a, b: a & b,
    "|": lambda a, b: a | b, "^": lambda a, b: a ^ b, "@": lambda a, b: a @ b,
}
assert set(_PLAIN_INPLACE) | {"+", "*", "**", "<<", "%"} == \
    {k[:-1] for k in IOPERATOR_TO_STR.values()}


def _join(separator):
    def join(items):
        items = list(items)
        sizes = [len(i) for i in items if isinstance(i, TEXT_TYPES)]
        if sum(sizes) + len(separator) * max(len(items) - 1, 0) > MAX_SIZE:
            raise SandboxViolation("the result of 'join' would be too large")
        return separator.join(items)
    return join


def _replace(text):
    def replace(old, new, count=-1):
        if isinstance(old, TEXT_TYPES) and isinstance(new, TEXT_TYPES) and len(new) > len(old):
            hits = text.count(old) if old else len(text) + 1
            hits = hits if count is None or count < 0 else min(hits, count)
            if len(text) + hits * (len(new) - len(old)) > MAX_SIZE:
                raise SandboxViolation("the result of 'replace' would be too large")
        return text.replace(old, new, count)
    return replace


def _extend(target):
    def extend(items):
        items = list(items)
        if len(target) + len(items) > MAX_SIZE:
            raise SandboxViolation("the result of 'extend' would be too large")
        return target.extend(items)
    return extend


# Methods that allocate in C in proportion to their arguments, wrapped with a size check.
_SIZED_METHODS = {"join": (TEXT_TYPES, _join), "replace": (TEXT_TYPES, _replace),
                  "extend": ((list, bytearray), _extend)}


def guarded_getattr(obj, name, default=None):
    """Attribute access: no underscores, no inspection attributes, no amplifying str methods."""
    if name in AMPLIFYING_METHODS and (isinstance(obj, TEXT_TYPES) or obj in TEXT_TYPES):
        raise SandboxViolation(f"{getattr(obj, '__name__', type(obj).__name__)}.{name} "
                               f"is not allowed")
    if isinstance(name, str) and name in _SIZED_METHODS:
        kinds, wrap = _SIZED_METHODS[name]
        if obj in kinds:
            raise SandboxViolation(f"unbound '{name}' is not allowed")
        if isinstance(obj, kinds):
            return wrap(obj)
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


def guarded_str(*args, **kwargs):
    """str() whose text for containers is size-checked first (repr runs in C)."""
    if args:
        check_sized(args[0], "text")
    return str(*args, **kwargs)


def guarded_sum(iterable, start=0):
    """sum(); non-numbers are added one by one through the size guard (no quadratic C loop)."""
    if isinstance(start, (int, float)) and not isinstance(start, bool):
        return builtins.sum(iterable, start)
    total = start
    for item in iterable:
        total = guarded_binop("+", total, item)
    return total


def _checked_arguments(func):
    """A builtin that compares or hashes its arguments' elements in C, size-checked first."""
    @functools.wraps(func)
    def call(*args, **kwargs):
        args = tuple(list(a) if hasattr(a, "__next__") else a for a in args)
        check_sized(args, f"argument of {func.__name__}()")
        check_sized(kwargs, f"argument of {func.__name__}()")
        return func(*args, **kwargs)
    return call


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
SAFE_BUILTINS.update(range=guarded_range, sum=guarded_sum, date=date, datetime=datetime,
                     timedelta=timedelta)
SAFE_BUILTINS.update({name: _checked_arguments(getattr(builtins, name))
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
        # The clock is read on every step: one slow C call between two sparse checks
        # could otherwise run for hundreds of times its own length past the deadline.
        if self.exceeded or self.steps_left < 0 or time.monotonic() > self.deadline:
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
    return check_sized(result, "result")


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
    # What a script leaves behind is serialised, copied and shown outside every budget.
    check_sized(namespace, "data the script leaves")
    return True
