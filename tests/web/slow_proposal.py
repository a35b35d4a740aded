"""A proposal whose referral decision outlasts a short click budget (valid, only slow)."""

SLOW = "sum([len(str(list(range(50)))) for i in range(9999)]) >= 0"  # outlasts the budget
DECISION = "visitation_decision in ('afvist', 'videresendt')"


def slow_referral(files):
    """{'henvisning.bpmn': the referral with its visitation decision made slow}."""
    assert DECISION in files["henvisning.bpmn"]
    return {"henvisning.bpmn": files["henvisning.bpmn"].replace(DECISION, f"({SLOW}) and {DECISION}")}
