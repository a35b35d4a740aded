"""A task form filled in and submitted with the keyboard alone, with visible focus at every stop;
a failed submit moves focus to the error summary, whose links lead to the fields."""
import pytest

from engine.models import TaskRecord
from tests.browser.helpers import login
from tests.unit.test_contrast import ratio
from tests.web.pathway_setup import item_for, refer
from webui.demo.filler import answers
from webui.demo.seed import seed_organisations, seed_users
from webui.extensions import db

pytestmark = pytest.mark.browser

MAX_STOPS = 80

# what has focus now, and whether a sighted keyboard user can see it
_ACTIVE = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), type: e.type || "", name: e.name || "", value: e.value,
          checked: !!e.checked, text: (e.innerText || "").trim().slice(0, 40),
          inForm: !!e.closest("#task-form"), focusVisible: e.matches(":focus-visible"),
          outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
          shadow: s.boxShadow !== "none", ring: s.outlineColor, behind: backdrop(e.parentElement)};
  function backdrop(node) {          // the first opaque background behind the ring
    for (; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg !== "transparent" && !bg.endsWith(", 0)")) { return bg; }
    }
    return "rgb(255, 255, 255)";
  }
}"""


@pytest.fixture
def visitation(app):
    """A referred patient whose visitation task the Hovedstaden psychiatry can do."""
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        seed_organisations()
        seed_users()
        db.session.commit()
        pathway = refer()
        item = item_for(pathway.id, "visitation")
        return f"/forloeb/{pathway.id}/opgaver/{item.task_id}", pathway.id, pathway.patient_id


def _hex(rgb: str) -> str:
    """#rrggbb from a computed "rgb(r, g, b)" colour."""
    return "#" + "".join(f"{int(v):02x}" for v in rgb[rgb.index("(") + 1:-1].split(",")[:3])


def _press_until(page, key, done, limit=10):
    """Press a key until the focused control is in the wanted state."""
    for _ in range(limit):
        if done(page.evaluate(_ACTIVE)):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} did not reach the wanted state")


def _enter(page, stop, values):
    """Give the focused control its value with the keyboard, as a user would."""
    wanted = values.get(stop["name"])
    if stop["type"] == "checkbox":
        chosen = stop["value"] in wanted if isinstance(wanted, list) else bool(wanted)
        if chosen != stop["checked"]:
            page.keyboard.press("Space")
    elif stop["type"] == "radio":
        if not stop["checked"]:
            page.keyboard.press("Space")
        _press_until(page, "ArrowDown", lambda s: s["value"] == str(wanted))
    elif stop["tag"] == "select":
        _press_until(page, "ArrowDown", lambda s: s["value"] == str(wanted), limit=30)
    elif stop["tag"] in ("input", "textarea") and wanted not in (None, ""):
        page.keyboard.type(str(wanted))


def test_task_form_by_keyboard_alone(app, live_server, page, visitation):
    task_url, pathway_id, patient_id = visitation
    values = answers("visitation", {"visitation_decision": "inkluderet"})
    login(page, live_server, "psyk.kbh")
    page.goto(live_server + task_url)
    page.wait_for_selector("#task-form")

    # a failed submit: Tab to "Afslut opgave" without filling anything in, press Enter
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate(_ACTIVE)["text"] == "Afslut opgave":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert page.title().startswith("Fejl:")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    first_link = page.locator("#error-summary a").first
    target = first_link.get_attribute("href")
    page.keyboard.press("Tab")                        # the summary's first link
    assert page.evaluate("document.activeElement.getAttribute('href')") == target
    page.keyboard.press("Enter")                      # …leads to the field
    assert page.evaluate("'#' + document.activeElement.id") == target

    # now the whole form from the top of the page, by keyboard only
    page.goto(live_server + task_url)
    page.wait_for_selector("#task-form")
    seen, invisible = [], []
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(_ACTIVE)
        seen.append(f"{stop['tag']}[{stop['name'] or stop['text']}]")
        if not (stop["focusVisible"] and (stop["outline"] or stop["shadow"])):
            invisible.append(seen[-1])
        elif stop["outline"] and ratio(_hex(stop["ring"]), _hex(stop["behind"])) < 3:
            invisible.append(f"{seen[-1]} ({stop['ring']} on {stop['behind']})")
        if stop["inForm"] and stop["text"] == "Afslut opgave":
            page.keyboard.press("Enter")
            break
        if stop["inForm"] and stop["name"] in values:
            _enter(page, stop, values)
    else:
        raise AssertionError(f"never reached 'Afslut opgave': {seen}")
    assert not invisible, f"focus not visible at: {invisible}"
    page.wait_for_selector("#phase")                   # the patient page after completing
    assert page.url.endswith(f"/patienter/{patient_id}")
    assert "Visitation" in page.locator(".flash-success").inner_text()
    assert len(seen) > 8                               # skip link, menu, the fields, the button
    assert any(s.startswith("input[visitation_decision]") for s in seen)
    assert any(s.startswith("textarea[visitation_note]") for s in seen)
    with app.app_context():                           # what was typed is what was stored
        record = db.session.scalar(db.select(TaskRecord).where(
            TaskRecord.pathway_id == pathway_id, TaskRecord.form_id == "visitation"))
        assert record.data["visitation_note"] == values["visitation_note"]
        assert sorted(record.data["inclusion_criteria"]) == sorted(values["inclusion_criteria"])
        assert record.data["visitation_decision"] == "inkluderet"
        assert record.data["exclusion_reason"] == values["exclusion_reason"]
    print("keyboard stops:", " → ".join(seen))
