"""Each drift rule, as a pure function."""

from alignment.drift import DriftFlag, RiskState, drift_flags

CALM = RiskState(score=12, is_closed=False, review_overdue=False)


def flags(left, right=CALM, overdue=0, threshold=6):
    return drift_flags(left, right, overdue_joint_actions=overdue, threshold=threshold)


def test_no_drift():
    assert flags(CALM) == []


def test_score_gap_at_threshold_is_flagged():
    assert flags(RiskState(18, False, False)) == [DriftFlag.SCORE_GAP]
    assert flags(RiskState(6, False, False)) == [DriftFlag.SCORE_GAP]
    assert flags(RiskState(17, False, False)) == []


def test_threshold_is_configurable(settings):
    settings.ALIGNMENT_SCORE_GAP_THRESHOLD = 3
    result = drift_flags(RiskState(15, False, False), CALM, overdue_joint_actions=0)
    assert result == [DriftFlag.SCORE_GAP]


def test_one_closed_one_open():
    assert flags(RiskState(12, True, False)) == [DriftFlag.STATUS_MISMATCH]
    assert flags(RiskState(12, True, False), RiskState(12, True, False)) == []


def test_either_overdue_for_review():
    assert flags(CALM, RiskState(12, False, True)) == [DriftFlag.REVIEW_OVERDUE]


def test_joint_actions_overdue():
    assert flags(CALM, overdue=2) == [DriftFlag.JOINT_ACTION_OVERDUE]


def test_unscored_side_has_no_gap():
    assert flags(RiskState(None, False, False)) == []
