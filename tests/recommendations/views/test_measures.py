"""Measures on the public pages: a measure's page, measures on the jurisdiction, recommendation, map and changes
pages, local jurisdictions (a county's or a prosecutor's office's page, listed on its state's), the public "why this
status", and nothing pending on any of them. The demo measures load approved and idempotently."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group

from legislation.choices import JurisdictionKind
from legislation.models import Jurisdiction
from recommendations.demo import demo_measures_load
from recommendations.models import BillLink, Measure, Progress, Recommendation, ReviewStatus
from recommendations.services import bill_link_create, measure_create, progress_review, review
from recommendations.views.measures import measure_path
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _office() -> Jurisdiction:
    return Jurisdiction.objects.create(
        code="ma-suffolk-da",
        name="Suffolk County District Attorney's Office",
        kind=JurisdictionKind.PROSECUTOR,
        parent=Jurisdiction.objects.get(code="ma"),
    )


def _measure(*, jurisdiction: Jurisdiction, user=None, effect: str = "advances", title: str = "Declination memo"):
    measure = measure_create(
        jurisdiction=jurisdiction,
        user=user,
        kind="prosecutor_policy",
        title=title,
        summary="Possession with intent to distribute needs clear evidence of selling.",
        status="adopted",
        date=datetime.date(2019, 3, 25),
        url="https://example.org/memo",
        evidence_url="https://example.org/news",
    )
    bill_link_create(
        recommendation=Recommendation.objects.get(code="PP-1"),
        measure=measure,
        effect=effect,
        rationale="Asks for clear evidence of selling before a sales charge.",
        evidence_url="https://example.org/evidence",
        user=user,
    )
    return measure


def _member(username: str, group: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_a_measures_page_says_what_it_is_where_it_stands_and_what_it_bears_on(client, seeded):
    measure = _measure(jurisdiction=_office())
    response = client.get(measure_path(measure))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Declination memo</h1>" in html
    assert "Prosecutor&#x27;s policy" in html
    assert 'class="badge measure-adopted">Adopted<' in html
    assert 'datetime="2019-03-25"' in html
    assert "counts as an enacted bill" in html
    assert "Asks for clear evidence of selling" in html
    assert 'href="https://example.org/memo"' in html
    assert "Suffolk County District Attorney&#x27;s Office" in html
    assert ">Massachusetts</a>" in html
    assert 'class="tag status-achieved">Achieved<' in html  # PP-1 in the office, from the measure


def test_a_measure_path_with_an_old_slug_or_none_redirects_to_the_current_one(client, seeded):
    measure = _measure(jurisdiction=_office())
    for path in (f"/measures/ma-suffolk-da/{measure.pk}/", f"/measures/ma-suffolk-da/{measure.pk}-old-title/"):
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == measure_path(measure)
    assert client.get(f"/measures/ca/{measure.pk}-declination-memo/").status_code == 404
    assert client.get("/measures/ma-suffolk-da/999999-declination-memo/").status_code == 404


def test_a_pending_measure_is_on_no_public_page_and_staff_see_it_marked(client, seeded):
    office = _office()
    editor = _member("editor", "Editors")
    measure = _measure(jurisdiction=office, user=editor, title="Pending memo")
    assert measure.review_status == ReviewStatus.PENDING
    assert client.get(measure_path(measure)).status_code == 404
    for path in (
        "/",
        "/jurisdictions/ma-suffolk-da/",
        "/jurisdictions/ma-suffolk-da/?format=csv&table=measures",
        "/jurisdictions/ma/",
        "/recommendations/PP-1/",
        "/recommendations/PP-1/?format=csv&table=measures",
        "/map/",
        "/changes/",
        "/feeds/changes/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Pending memo" not in response.content.decode(), path
    assert not Progress.objects.filter(jurisdiction=office, recommendation__code="PP-1", status="achieved").exists()

    client.force_login(editor)
    response = client.get(measure_path(measure))
    assert response.status_code == 200
    assert "This measure is not public" in response.content.decode()
    assert "Pending review: staff only" in response.content.decode()  # its link, shown to staff, marked


def test_once_approved_the_measure_shows_everywhere_with_who_approved_it(client, seeded):
    office = _office()
    editor, reviewer = _member("editor", "Editors"), _member("reviewer", "Reviewers")
    reviewer.first_name, reviewer.last_name = "Rita", "Reviewer"
    reviewer.save()
    measure = _measure(jurisdiction=office, user=editor, title="Approved memo")
    review(obj=measure, user=reviewer, decision="approve", note="Checked against the memo.")
    review(obj=BillLink.objects.get(measure=measure), user=reviewer, decision="approve")
    html = client.get(measure_path(measure)).content.decode()
    assert "Approved by Rita Reviewer" in html
    assert "Checked against the memo." in html
    for path in ("/jurisdictions/ma-suffolk-da/", "/recommendations/PP-1/"):
        assert "Approved memo" in client.get(path).content.decode(), path


def test_a_local_jurisdictions_page_shows_its_state_and_measures_without_sessions(client, seeded):
    _measure(jurisdiction=_office())
    response = client.get("/jurisdictions/ma-suffolk-da/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prosecutor&#x27;s office" in html
    assert '<a href="/jurisdictions/ma/">Massachusetts</a>' in html
    assert 'id="measures-PP-1"' in html
    assert "Declination memo" in html
    assert "The bills behind each status" not in html
    assert 'id="sessions-title"' not in html
    csv = client.get("/jurisdictions/ma-suffolk-da/?format=csv&table=measures").content.decode()
    assert "PP-1,ma-suffolk-da,prosecutor_policy,Declination memo,adopted,2019-03-25,advances" in csv


def test_a_states_page_lists_its_local_jurisdictions_and_their_standing(client, seeded):
    _measure(jurisdiction=_office(), effect="regresses")
    html = client.get("/jurisdictions/ma/").content.decode()
    assert 'id="local-title"' in html
    assert '<a href="/jurisdictions/ma-suffolk-da/">Suffolk County District Attorney&#x27;s Office</a>' in html
    local = html[html.index('id="local-title"') :]
    assert 'class="tag status-regressed">Regressed<' in local
    assert 'id="local-measures"' in local
    assert "Declination memo" in local  # its measures, listed under the state
    # The office's measure does not move the state's own standing.
    assert not Progress.objects.filter(jurisdiction__code="ma").exists()


def test_the_map_marks_a_state_with_local_measures_and_lists_them(client, seeded):
    _measure(jurisdiction=_office())
    html = client.get("/map/?recommendation=PP-1").content.decode()
    assert "Massachusetts: No action; 1 local jurisdiction with measures" in html
    assert 'class="tile-local"' in html
    assert '<a href="/jurisdictions/ma-suffolk-da/">' in html


def test_federal_measures_show_on_the_recommendation_page_and_move_the_us_tile(client, seeded):
    _measure(jurisdiction=Jurisdiction.objects.get(code="us"), effect="regresses", title="Charging memo")
    html = client.get("/recommendations/PP-1/").content.decode()
    section = html[html.index('id="measures-title"') :]
    assert "Charging memo" in section
    assert "United States" in section
    assert "United States: Regressed" in html
    csv = client.get("/recommendations/PP-1/?format=csv&table=measures").content.decode()
    assert csv.splitlines()[0].startswith("recommendation,jurisdiction,kind,title,status,date,effect")
    assert "PP-1,us,prosecutor_policy,Charging memo,adopted,2019-03-25,regresses" in csv


def test_the_changes_page_and_feed_tell_of_a_new_measure(client, seeded):
    measure = _measure(jurisdiction=_office())
    html = client.get("/changes/?kind=measure").content.decode()
    assert "Declination memo (Suffolk County District Attorney&#x27;s Office) recorded as adopted" in html
    assert measure_path(measure) in html
    assert "Declination memo" in client.get("/feeds/changes/").content.decode()


def test_why_this_status_shows_the_review_who_when_reason_and_evidence(client, seeded):
    office = _office()
    _measure(jurisdiction=office)
    editor, reviewer = _member("editor", "Editors"), _member("reviewer", "Reviewers")
    progress = progress_review(
        recommendation=Recommendation.objects.get(code="PP-1"),
        jurisdiction=office,
        status="partial",
        reason="The memo covers district courts only.",
        evidence_url="https://example.org/scope",
        user=editor,
    )
    assert "covers district courts" not in client.get("/jurisdictions/ma-suffolk-da/").content.decode()
    review(obj=progress, user=reviewer, decision="approve", note="Confirmed with the office.")
    html = client.get("/jurisdictions/ma-suffolk-da/").content.decode()
    assert "Reviewed by staff: The memo covers district courts only." in html
    assert 'href="https://example.org/scope"' in html
    assert "Approved by reviewer on" in html
    assert "Confirmed with the office." in html
    assert "(the rule alone gives achieved)" in html
    row = next(
        line
        for line in client.get("/jurisdictions/ma-suffolk-da/?format=csv").content.decode().splitlines()
        if line.startswith("PP-1,")
    )
    assert ",reviewer," in row
    assert row.endswith(",Confirmed with the office.")


def test_demo_measures_load_approved_once(seeded):
    first = demo_measures_load()
    assert first[0]["insert"] == 6
    assert first[1]["insert"] == 6
    assert Measure.objects.public().count() == 6 == Measure.objects.count()
    assert BillLink.objects.public().filter(measure__isnull=False).count() == 6
    assert Jurisdiction.objects.get(code="md-baltimore-city-sao").parent.code == "md"
    again = demo_measures_load()
    assert again[0] == {"noop": 6}
    assert again[1] == {"noop": 6}
    assert Progress.objects.get(recommendation__code="PP-1", jurisdiction__code="us").status == "regressed"


def test_search_finds_public_measures_by_title_summary_or_office(client, seeded):
    office = _office()
    measure = _measure(jurisdiction=office)
    _measure(jurisdiction=office, user=_member("editor", "Editors"), title="Declination draft")
    for text in ("declination", "intent to distribute", "Suffolk County"):
        html = client.get("/search/", {"q": text}).content.decode()
        assert f'<a href="{measure_path(measure)}">Declination memo</a>' in html, text
        assert "Declination draft" not in html  # pending review
