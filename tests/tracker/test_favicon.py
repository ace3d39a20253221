"""`/favicon.ico`, which browsers ask for whatever a page links, leads to the site's SVG icon."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_redirects_permanently_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg") is not None  # the file the redirect names is served by the app


def test_favicon_ico_needs_no_database(client, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert client.get("/favicon.ico").status_code == 301
