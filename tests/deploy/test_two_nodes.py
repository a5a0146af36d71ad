"""Two web nodes, one worker, one object store: nothing is kept on a node.

A person's session, a published paper and a register PDF rendered by the worker
must all be the same whichever node answers, as behind a load balancer; a worker
killed mid-render and started again must end with one stored file and a finished
task. The nodes' own directories stay empty: every file is in Azurite.
"""

import io
import re
import time
from html import unescape
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from .servers import Browser


def wait_for(what: str, check, timeout: float = 120.0, every: float = 0.25):
    """Return check()'s first truthy value, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    pytest.fail(f"Gave up after {timeout:.0f} s waiting for {what}.")


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def anonymous_status(url: str) -> int:
    """Return the status of a GET with no credentials, as a stranger's browser."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path)
        return connection.getresponse().status
    finally:
        connection.close()


def signed_in(cluster, node, username: str) -> Browser:
    browser = Browser()
    browser.sign_in(node, username, cluster.password)
    return browser


def test_a_person_signed_in_on_one_node_continues_on_the_other(cluster):
    browser = signed_in(cluster, cluster.a, "mopac-owner")
    on_b = browser.get(cluster.b, "/")
    assert on_b.status == 200
    assert "mopac-owner" in on_b.text
    # Without the session cookie node B sends the person to sign in.
    assert Browser().get(cluster.b, "/").status == 302
    # Signing out on B ends the session on A too.
    browser.post_form(cluster.b, "/", "/accounts/logout/", {})
    assert browser.get(cluster.a, "/").status == 302


def test_a_paper_published_on_one_node_is_served_byte_identical_by_the_other(cluster):
    a, b = cluster.a, cluster.b
    mopac = signed_in(cluster, a, "mopac-governance")
    mps = signed_in(cluster, a, "met-governance")
    listing = mopac.get(a, "/reports/")
    paper = int(re.search(r'href="/reports/(\d+)/edit/"', listing.text)[1])
    edit = f"/reports/{paper}/edit/"
    # The public edition must withhold something whatever the demo's draft holds
    # on the day, so governance adds an OFFICIAL-SENSITIVE section first.
    added = mopac.post_form(
        a,
        f"/reports/{paper}/sections/new/",
        f"/reports/{paper}/sections/new/",
        {
            "kind": "body",
            "heading": "Aligned Finance risk",
            "body": "The savings options behind the finance risk.",
            "order": "99",
            "oral_update": "on",
            "is_sensitive": "on",
        },
    )
    assert added.status == 302
    revision = re.search(r'name="revision" value="(\d+)"', mopac.get(a, edit).text)[1]
    for person in (mopac, mps):
        cleared = person.post_form(
            a, edit, f"/reports/{paper}/clear/", {"revision": revision}
        )
        assert cleared.status == 302
    published = mopac.post_form(
        a, edit, f"/reports/{paper}/publish/", {"revision": revision}
    )
    assert published.status == 302
    assert "being rendered" in mopac.get(a, edit).text  # by the worker, not node A

    # The panel member reads the published paper through node B.
    panel = signed_in(cluster, b, "panel-member")
    pdf = f"/reports/{paper}/pdf/"
    served_by_b = wait_for(
        "the worker to publish the paper",
        lambda: (r := panel.get(b, pdf)).status == 200 and r,
    )
    [(full_sha, public_sha, full_name)] = cluster.query(
        "SELECT full_sha256, public_sha256, full_pdf FROM reports_publication "
        "WHERE paper_id = %s AND status = 'published'",
        [paper],
    )
    assert served_by_b.headers["Content-Type"] == "application/pdf"
    assert served_by_b.sha256 == full_sha
    assert panel.get(a, pdf).sha256 == full_sha
    public = panel.get(b, f"{pdf}?edition=public")
    assert public.sha256 == public_sha != full_sha
    assert "not included in the public edition" in pdf_text(public.body)
    # Governance reads the stored version (checked against its SHA-256) on B.
    version = mopac.get(b, f"/reports/{paper}/versions/1/pdf/")
    assert version.status == 200 and version.sha256 == full_sha
    assert full_name in cluster.blobs("papers/")
    assert a.local_files() == [] and b.local_files() == []

    # The file is streamed by the node after its permission check, never handed
    # out as a link to the store: without a session B sends the person to sign in,
    # the pages name no store address, and the container refuses anonymous reads.
    assert "Location" not in served_by_b.headers
    stranger = Browser().get(b, pdf)
    assert stranger.status == 302
    assert stranger.headers["Location"].startswith("/accounts/login/")
    store = f"{cluster.azurite.port}/"
    assert store not in panel.get(b, f"/reports/{paper}/").text
    assert store not in mopac.get(b, edit).text
    assert cluster.container.get_container_properties().public_access is None
    assert anonymous_status(f"{cluster.container.url}/{full_name}") in (403, 404)


def test_a_register_checked_on_one_node_is_imported_through_the_other(cluster):
    # An import keeps no file: the checked rows wait for confirmation in the
    # person's session, in PostgreSQL, so the confirming request may reach any node.
    a, b = cluster.a, cluster.b
    officer = signed_in(cluster, a, "mopac-governance")
    template = officer.get(a, "/risks/import/template.xlsx")
    assert template.status == 200
    xlsx = template.headers["Content-Type"]
    uploaded = officer.upload(
        a,
        "/risks/import/",
        "/risks/import/",
        {},
        {"file": ("r.xlsx", template.body, xlsx)},
    )
    assert uploaded.status == 302, unescape(uploaded.text)[-2000:]
    preview = uploaded.headers["Location"]
    assert preview.startswith("/risks/import/")
    shown = officer.get(b, preview)
    assert shown.status == 200 and "EXAMPLE-R01" in shown.text
    imported = officer.upload(b, preview, preview, {}, {})
    assert imported.status == 302, unescape(imported.text)[-2000:]
    title = "Example risk: replace this row with your own"
    rows = cluster.query(
        "SELECT o.slug FROM risks_risk r JOIN risks_organisation o "
        "ON o.id = r.organisation_id WHERE r.title = %s",
        [title],
    )
    assert rows == [("mopac",)]
    # The same token on A now finds nothing to import: it was used on B.
    assert officer.get(a, preview).status == 302
    assert a.local_files() == [] and b.local_files() == []


def test_a_register_pdf_requested_on_one_node_is_rendered_by_the_worker(cluster):
    a, b = cluster.a, cluster.b
    officer = signed_in(cluster, b, "mopac-governance")
    path = "/reports/register/mopac/pdf/"
    first = officer.get(b, path)
    assert first.status == 202  # never rendered in the request
    served_by_a = wait_for(
        "the worker's register PDF",
        lambda: (r := officer.get(a, path)).status == 200 and r,
    )
    [(sha, name)] = cluster.query(
        "SELECT r.sha256, r.pdf FROM reports_registerreport r "
        "JOIN risks_organisation o ON o.id = r.organisation_id "
        "WHERE o.slug = 'mopac' AND r.status = 'ready'"
    )
    assert served_by_a.sha256 == sha
    assert officer.get(b, path).sha256 == sha
    assert "Policing and Crime" in pdf_text(served_by_a.body)
    assert cluster.blobs(name) == [name]
    assert a.local_files() == [] and b.local_files() == []
    # Stored once, it is still only for MOPAC's members, whichever node is asked:
    # the MPS's officer and the panel member get 404, as before it was rendered.
    other = signed_in(cluster, a, "met-governance")
    assert other.get(a, path).status == 404
    assert other.get(b, path).status == 404
    panel = signed_in(cluster, b, "panel-member")
    assert panel.get(a, path).status == 404


def test_a_worker_killed_mid_render_ends_with_one_file_and_a_finished_task(cluster):
    a = cluster.a
    officer = signed_in(cluster, a, "met-governance")
    slug = cluster.query(
        "SELECT o.slug FROM risks_organisation o JOIN risks_membership m "
        "ON m.organisation_id = o.id JOIN auth_user u ON u.id = m.user_id "
        "WHERE u.username = 'met-governance'"
    )[0][0]
    path = f"/reports/register/{slug}/pdf/"
    logged_before = len(cluster.worker.log.read_text())
    assert officer.get(a, path).status == 202
    running = (
        "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
    )
    [(task,)] = wait_for(
        "the worker to start rendering", lambda: cluster.query(running), every=0.02
    )
    # The heartbeat comes from a thread of its own, so it keeps coming (and names
    # the render) while the render holds the worker's loop: kill it then.
    beat = r"heartbeat worker=node-test-worker running=render_register_report for"
    wait_for(
        "a heartbeat naming the render",
        lambda: re.search(beat, cluster.worker.log.read_text()[logged_before:]),
        timeout=30,
        every=0.02,
    )
    cluster.worker.kill()
    [(status, report)] = cluster.query(
        "SELECT r.status, r.id FROM reports_registerreport r "
        "JOIN risks_organisation o ON o.id = r.organisation_id WHERE o.slug = %s",
        [slug],
    )
    assert status == "rendering", "the worker finished before it could be stopped"
    assert officer.get(a, path).status == 202  # still on its way, nothing half-served

    cluster.worker.start()
    served = wait_for(
        "the restarted worker's PDF",
        lambda: (r := officer.get(a, path)).status == 200 and r,
    )
    logged_by_then = len(cluster.worker.log.read_text())
    [(task_status, worker_ids)] = cluster.query(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE id = %s",
        [task],
    )
    assert task_status == "SUCCESSFUL"
    assert worker_ids == [cluster.worker.worker_id] * 2  # run, killed, run again
    [(sha, name)] = cluster.query(
        "SELECT sha256, pdf FROM reports_registerreport WHERE id = %s", [report]
    )
    assert served.sha256 == sha
    stored = [
        n for n in cluster.blobs("register-reports/") if n.endswith(f"-{report}.pdf")
    ]
    assert stored == [name]
    assert f"queued again: {task}" in cluster.worker.log.read_text()[logged_before:]
    idle = r"heartbeat worker=node-test-worker running=nothing waiting=0"
    wait_for(
        "a heartbeat of the worker with nothing left to do",
        lambda: re.search(idle, cluster.worker.log.read_text()[logged_by_then:]),
        timeout=30,
    )
