"""The demo's alignment: agreed links from the paper and one pending proposal."""

import pytest
from django.core.management import call_command

from alignment.models import AlignmentLink, LinkStatus
from risks.models import Risk


@pytest.fixture
def demo(db):
    call_command("load_demo", "--until", "2019-09-30", verbosity=0)


def test_demo_has_agreed_and_pending_links(demo):
    statuses = sorted(AlignmentLink.objects.values_list("status", flat=True))
    assert statuses.count(LinkStatus.AGREED) == 4
    assert statuses.count(LinkStatus.PROPOSED) == 1
    themes = set(AlignmentLink.objects.values_list("theme__name", flat=True))
    assert {"Community engagement", "Finance", "Crime prevention"} <= themes


def test_met_reader_sees_only_aligned_mopac_risks(client, demo):
    client.post(
        "/accounts/login/",
        {"username": "met-reader", "password": "riskregister-demo"},
    )
    # MOPAC's Victims, Equalities and Violence risks are aligned (agreed) with
    # the MPS's violent-crime risk, as in the 2019 paper's Appendix A.
    for reference in ("MOPAC-R01", "MOPAC-R02", "MOPAC-R03"):
        aligned = Risk.objects.get(reference=reference)
        assert client.get(aligned.get_absolute_url()).status_code == 200, reference
    # MOPAC-R04 has only a proposal from the MPS, which grants nothing.
    pending = Risk.objects.get(reference="MOPAC-R04")
    assert client.get(pending.get_absolute_url()).status_code == 404
