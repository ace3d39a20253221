"""The method page: the progress rule with worked examples computed by the rule, the stage and effect vocabularies,
the sources and their terms (LegiScan's credit), freshness, the demo snapshot (without Markdown backticks), what is
still to be transcribed, and how to cite and reuse the data."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command

from legislation.choices import Stage
from recommendations.models import Effect, ProgressStatus, Recommendation
from recommendations.views.about import EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_pages():
    cache.clear()
    yield
    cache.clear()


def words(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_rule_in_words_with_examples_computed_by_the_rule(client, seeded):
    html = words(client.get("/about/"))
    assert "<h1>Method and sources</h1>" in html
    assert "when the most recent enactment among the linked bills is a regressing one" in html
    assert "when a regressing bill is pending" in html
    rows = re.findall(r'<th scope="row">([^<]+)</th>.*?class="tag status-(\w+)"', html)
    assert [status for _, status in rows] == [
        "in_progress",
        "at_risk",
        "regressed",
        "achieved",
        "partial",
        "stalled",
        "no_action",
    ]
    assert [description for description, _ in rows] == [description for description, _ in EXAMPLES]
    assert set(ProgressStatus.values) <= {status for _, status in rows}


def test_every_stage_and_effect_is_explained(client, seeded):
    html = words(client.get("/about/"))
    for stage in Stage:
        assert f'class="badge stage-{stage.value}">{stage.label}</span> </dt><dd>' in html
    for effect in Effect:
        assert f'class="effect effect-{effect.value}">{effect.label}</span> </dt><dd>' in html
    assert "furthest stage" in html


def test_sources_and_their_terms(client, seeded):
    html = words(client.get("/about/"))
    assert 'href="https://openstates.org/"' in html
    assert 'href="https://www.congress.gov/"' in html
    assert (
        "Contains legislative data from LegiScan (https://legiscan.com/), licensed under the Creative Commons" in html
    )
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html
    assert "public domain" in html


def test_freshness_and_no_demo_before_anything_is_imported(client, seeded):
    html = words(client.get("/about/"))
    assert "No bill data has been imported yet." in html
    assert "No demo snapshot is loaded" in html


def test_demo_snapshot_is_described_without_markdown_backticks(client, seeded):
    call_command("load_demo", stdout=io.StringIO())
    html = words(client.get("/about/"))
    assert 'datetime="2026-11-27"' in html
    assert "Demo snapshot of 34 real US bills" in html
    assert "listed in its own <code>sources</code>" in html
    assert "Summaries (<code>abstracts</code>)" in html
    assert "`" not in html
    assert "<li>flsenate.gov</li>" in html
    assert "Open States: last import" in html


def test_recommendations_with_sub_items_to_transcribe_are_listed(client, seeded):
    html = words(client.get("/about/"))
    pending = list(Recommendation.objects.filter(sub_items_pending=True).values_list("code", flat=True))
    assert pending
    for code in pending:
        assert f'href="/recommendations/{code}/"' in html
    Recommendation.objects.update(sub_items_pending=False)
    cache.clear()
    assert "sub-items are transcribed." in words(client.get("/about/"))


def test_citing_and_reuse_links(client, seeded):
    html = words(client.get("/about/"))
    for path in ("/api/v1/", "/api/v1/docs/", "/api/v1/schema/", "/api/v1/exports/", "/feeds/changes/"):
        assert f'href="{path}"' in html
    assert "Recommendation tracker, http://testserver/about/" in html
    assert "Rethinking the" in html
