"""A proposal whose referral decision outlasts a short click budget (valid, only slow)."""

# It would run about 2.9 s here; the sandbox's step budget stops it after about 1.1 s. That is
# over three times the tests' short time budget (0.3 s), which so stops it first on any machine
# (a tenth of it took 0.29 s, and on a quiet CI machine a scenario once fitted in the budget).
SLOW = "sum([len(str(list(range(50)))) for i in range(9999) for j in range(10)]) >= 0"
DECISION = "visitation_decision in ('afvist', 'videresendt')"


def slow_referral(files):
    """{'henvisning.bpmn': the referral with its visitation decision made slow}."""
    assert DECISION in files["henvisning.bpmn"]
    return {"henvisning.bpmn": files["henvisning.bpmn"].replace(DECISION, f"({SLOW}) and {DECISION}")}
