"""Whether this process's sandbox answers, and which of its lockdown layers hold."""
from engine.sandbox import isolation


def sandbox_answers(seconds=2.0) -> str:
    """"ok" when this process's sandbox evaluates an expression within `seconds`, else why not."""
    try:
        with isolation.click(seconds):
            value = isolation.evaluate("1 + 1", {})
    except Exception as exc:  # noqa: BLE001 - any failure means this node cannot run definitions
        return f"the sandbox does not answer ({type(exc).__name__}: {str(exc)[:120]})"
    return "ok" if value == 2 else f"the sandbox answered {value!r} to 1 + 1"


def sandbox_confinement() -> dict[str, str]:
    """Which lockdown layers hold in this process's sandbox workers: {layer: "on (...)" or
    "off: reason"}; starts a worker first when none has started yet."""
    if not isolation.confinement():
        sandbox_answers()
    return isolation.confinement()
