"""The notification preferences page, /accounts/notifications/."""

import pytest
from django.urls import reverse

from notifications.models import Kind, Preference
from notifications.services import preferences_of

URL = "/accounts/notifications/"
GOVERNANCE_KINDS = [
    Kind.CLEARANCE_NEEDED,
    Kind.PAPER_PUBLISHED,
    Kind.ALIGNMENT_PROPOSED,
    Kind.ALIGNMENT_AGREED,
    Kind.ALIGNMENT_DECLINED,
    Kind.QUESTION_ASKED,
]


def test_the_url_is_under_accounts():
    assert reverse("notifications:preferences") == URL


def test_the_account_menu_links_to_it(client, world):
    client.force_login(world.users["mopac-reader"])
    assert f'href="{URL}"' in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("username", ["mopac-governance", "mps-governance"])
def test_governance_sees_its_kinds_all_ticked(client, world, username):
    client.force_login(world.users[username])
    page = client.get(URL).content.decode()
    for kind in GOVERNANCE_KINDS:
        assert f'value="{kind.value}" checked' in page
    assert Kind.ANSWER_PUBLISHED.value not in page


def test_the_panel_sees_papers_and_answers(client, world):
    client.force_login(world.users["panel"])
    page = client.get(URL).content.decode()
    assert f'value="{Kind.PAPER_PUBLISHED.value}" checked' in page
    assert f'value="{Kind.ANSWER_PUBLISHED.value}" checked' in page
    assert Kind.QUESTION_ASKED.value not in page


@pytest.mark.parametrize(
    "username", ["mopac-owner", "mopac-reader", "mps-owner", "mps-reader", "outsider"]
)
def test_people_who_get_no_e_mails_are_told_so(client, world, username):
    client.force_login(world.users[username])
    page = client.get(URL).content.decode()
    assert "Your role receives no notification e-mails" in page
    assert "<form" not in page.split('id="main-content"')[1]
    client.post(URL, {"wanted": [Kind.QUESTION_ASKED.value]})
    assert not Preference.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(URL, {}).status_code == 302
    assert not Preference.objects.exists()


def test_unticking_opts_out_and_is_in_history(client, world):
    user = world.users["mps-governance"]
    client.force_login(user)
    wanted = [k.value for k in GOVERNANCE_KINDS if k != Kind.ALIGNMENT_PROPOSED]
    response = client.post(URL, {"wanted": wanted})
    assert response.status_code == 302 and response["Location"] == URL
    assert preferences_of(user)[Kind.ALIGNMENT_PROPOSED] is False
    assert sum(preferences_of(user).values()) == 5
    row = Preference.objects.get(user=user)
    (history,) = row.history.all()
    assert history.history_change_reason == (
        "E-mails turned off: An alignment is proposed to you"
    )
    page = client.get(URL).content.decode()
    assert "Your e-mail choices are saved." in page
    assert f'value="{Kind.ALIGNMENT_PROPOSED.value}" checked' not in page
    # Ticking it again turns it back on, in place.
    client.post(URL, {"wanted": [k.value for k in GOVERNANCE_KINDS]})
    row.refresh_from_db()
    assert row.enabled is True and row.history.count() == 2


def test_a_kind_the_person_cannot_receive_is_refused(client, world):
    client.force_login(world.users["panel"])
    response = client.post(URL, {"wanted": [Kind.QUESTION_ASKED.value]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Preference.objects.exists()


def test_one_persons_choice_does_not_touch_anothers(client, world):
    client.force_login(world.users["mopac-governance"])
    client.post(URL, {"wanted": []})
    assert Preference.objects.filter(user=world.users["mopac-governance"]).count() == 6
    assert all(preferences_of(world.users["mps-governance"]).values())


def test_the_page_costs_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    client.force_login(world.users["mopac-governance"])
    with django_assert_num_queries(4):
        client.get(URL)
    client.post(URL, {"wanted": []})
    with django_assert_num_queries(4):
        client.get(URL)  # with six preference rows and the message
