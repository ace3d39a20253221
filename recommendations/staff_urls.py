"""Staff pages (under `/staff/`): signed in, never cached, unlike the public pages of recommendations/urls.py."""

from django.urls import path

from .views import staff

urlpatterns = [
    path("review/", staff.review_queue_page, name="staff-review"),
    path("measures/new/", staff.measure_propose_page, name="staff-measure-new"),
]
