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
    assert {"Community engagement", "Violence", "Finance"} <= themes


def test_met_reader_sees_only_aligned_mopac_risks(client, demo):
    client.post(
        "/accounts/login/",
        {"username": "met-reader", "password": "riskregister-demo"},
    )
    aligned = Risk.objects.get(reference="MOPAC-R03")
    unaligned = Risk.objects.get(reference="MOPAC-R01")
    pending = Risk.objects.get(reference="MOPAC-R04")
    assert client.get(aligned.get_absolute_url()).status_code == 200
    assert client.get(unaligned.get_absolute_url()).status_code == 404
    # MOPAC-R04 is visible through its agreed engagement link, not the proposal.
    assert client.get(pending.get_absolute_url()).status_code == 200
