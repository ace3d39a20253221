"""Full-text search of bills from the stored `search_vector` column (PostgreSQL, migration 0009_bill_list_indexes)."""

import pytest
from django.db import connection

from legislation.filters import BILL_SEARCH_VECTOR, bill_search
from legislation.models import Bill
from tests.factories import BillFactory

pytestmark = pytest.mark.django_db


def test_the_stored_vector_is_the_expression_search_was_built_on():
    """The generated column's SQL is written in the migration; it must say what BILL_SEARCH_VECTOR says, or search
    would find other bills than the expression does."""
    BillFactory(identifier="HB 12", title="Fentanyl dealers and drug-induced homicide", summary="Sentencing.")
    BillFactory(identifier="SB 3", title="Naloxone in schools", summary="")
    rows = Bill.objects.annotate(expected=BILL_SEARCH_VECTOR).values_list("id", "expected")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text FROM legislation_bill")
        stored = dict(cursor.fetchall())
    assert stored
    assert {pk: stored[pk] for pk, _ in rows} == dict(rows)


def test_search_follows_updates():
    bill = BillFactory(title="An act on naloxone")
    assert list(bill_search(Bill.objects.all(), "naloxone")) == [bill]
    Bill.objects.filter(pk=bill.pk).update(title="An act on fentanyl")
    assert list(bill_search(Bill.objects.all(), "naloxone")) == []
    assert list(bill_search(Bill.objects.all(), "fentanyl")) == [bill]
