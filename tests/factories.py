"""factory_boy factories for every model tests build by hand."""

import datetime

import factory
from django.contrib.auth import get_user_model

from legislation.choices import JurisdictionKind, Stage
from legislation.models import Bill, BillAction, Jurisdiction, LegislativeSession
from recommendations.models import Audience, BillLink, Effect, Recommendation, Report


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"x{n}")
    name = factory.LazyAttribute(lambda j: f"Jurisdiction {j.code.upper()}")
    kind = JurisdictionKind.STATE
    ocd_id = factory.LazyAttribute(lambda j: f"ocd-jurisdiction/country:us/state:{j.code}/government")


class LegislativeSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegislativeSession
        django_get_or_create = ("jurisdiction", "identifier")

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    identifier = "2025"
    name = factory.LazyAttribute(lambda s: f"{s.identifier} Regular Session")
    start_date = datetime.date(2025, 1, 1)


class BillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bill

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    session = factory.SubFactory(LegislativeSessionFactory, jurisdiction=factory.SelfAttribute("..jurisdiction"))
    identifier = factory.Sequence(lambda n: f"HB {n + 1}")
    source_identifier = factory.SelfAttribute("identifier")
    title = factory.Sequence(lambda n: f"An act relating to controlled substances ({n})")
    stage = Stage.INTRODUCED
    furthest_stage = Stage.INTRODUCED
    stage_date = datetime.date(2025, 1, 15)
    latest_action_date = datetime.date(2025, 1, 15)
    latest_action_description = "Introduced"


class BillActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillAction

    bill = factory.SubFactory(BillFactory)
    order = factory.Sequence(lambda n: n)
    date = datetime.date(2025, 1, 15)
    description = "Introduced"
    chamber = "lower"
    classification = ["introduction"]


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report
        django_get_or_create = ("slug",)

    slug = "test-report"
    title = "A report"
    publisher = "A publisher"
    published = datetime.date(2019, 12, 17)
    url = "https://example.org/report"


class AudienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audience

    report = factory.SubFactory(ReportFactory)
    slug = factory.Sequence(lambda n: f"audience-{n}")
    name = factory.Sequence(lambda n: f"Audience {n}")
    order = factory.Sequence(lambda n: n)


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    audience = factory.SubFactory(AudienceFactory)
    report = factory.SelfAttribute("audience.report")
    code = factory.Sequence(lambda n: f"T-{n + 1}")
    title = "A recommendation"
    text = "Policymakers should do a thing."
    order = factory.Sequence(lambda n: n)


class BillLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillLink

    recommendation = factory.SubFactory(RecommendationFactory)
    bill = factory.SubFactory(BillFactory)
    effect = Effect.ADVANCES
    rationale = "Reduces a mandatory minimum for selling."
