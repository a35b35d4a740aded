"""Size guards for sandboxed code: operators and methods that could allocate without bound.

The step and time budget in `engine.sandbox.restricted` cannot interrupt a single C call, so every
operation that can build a huge value in one call is checked before it runs.
"""
import builtins
import functools
import re

from RestrictedPython.Guards import safer_getattr
from RestrictedPython.transformer import IOPERATOR_TO_STR

from engine.errors import SandboxViolation

MAX_SIZE = 100_000         # elements/characters a guarded operator may produce
MAX_INT_BITS = 4_096       # bits an integer result may have
MAX_RANGE = 10_000         # elements of range()
MAX_DATA = 1_000_000       # elements + characters a value may expand to (shared parts each time)
# String methods that allocate in proportion to an argument, not to their input.
AMPLIFYING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs",
                                "format", "format_map", "translate"})
TEXT_TYPES = (str, bytes, bytearray)
SPEC_NUMBER = re.compile(r"\d{4,}")
_PERCENT_SPEC = re.compile(r"%(\([^)]*\))?[#0 +\-]*(\*|\d{4,}|\d*\.(\*|\d{4,}))")


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
        raise SandboxViolation(f"the {what} would be too large", limit="size")
    return value


def _check_int_bits(bits, op):
    if bits > MAX_INT_BITS:
        raise SandboxViolation(f"the result of '{op}' would be too large", limit="size")


def guarded_binop(op, left, right):
    """Apply op after checking that the result stays within the size limits."""
    if op == "+":
        a, b = _size(left), _size(right)
        if a is not None and b is not None and a + b > MAX_SIZE:
            raise SandboxViolation("the result of '+' would be too large", limit="size")
        return left + right
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            if _size(seq) is not None and isinstance(count, int) and len(seq) * count > MAX_SIZE:
                raise SandboxViolation("the result of '*' would be too large", limit="size")
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
            raise SandboxViolation("the result of 'join' would be too large", limit="size")
        return separator.join(items)
    return join


def _replace(text):
    def replace(old, new, count=-1):
        if isinstance(old, TEXT_TYPES) and isinstance(new, TEXT_TYPES) and len(new) > len(old):
            hits = text.count(old) if old else len(text) + 1
            hits = hits if count is None or count < 0 else min(hits, count)
            if len(text) + hits * (len(new) - len(old)) > MAX_SIZE:
                raise SandboxViolation("the result of 'replace' would be too large", limit="size")
        return text.replace(old, new, count)
    return replace


def _extend(target):
    def extend(items):
        items = list(items)
        if len(target) + len(items) > MAX_SIZE:
            raise SandboxViolation("the result of 'extend' would be too large", limit="size")
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


def checked_arguments(func):
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
