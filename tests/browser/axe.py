"""axe-core from npm, injected into a page by the test (the app never serves it)."""
from functools import lru_cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.1 level A and AA, as the Danish web accessibility act requires.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "),
                                           summary: n.failureSummary}))}));
}"""


@lru_cache(maxsize=1)
def axe_source() -> str:
    """The axe-core bundle installed by `npm ci` (a dev dependency)."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing; run scripts/setup.sh (npm ci)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe on the page as it is now; return its WCAG 2.1 A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol, so the page's CSP stays in force
        page.evaluate(axe_source())
    return page.evaluate(_RUN, WCAG_TAGS)


def describe(violations: list[dict]) -> str:
    """A readable list of violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"      {n['target']}: {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)
