"""Staff register organisations' webhooks, read their delivery log and enable a disabled one again; they can see
subscriptions and what was sent (people subscribe themselves through the pages)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from tracker.admin import short_datetime, truncated

from .models import AlertEmail, Subscription, Webhook, WebhookDelivery
from .services import webhook_enable


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = (
        "organisation",
        "url",
        "targets_short",
        "enabled",
        "consecutive_failures",
        "disabled_at_short",
        "log",
    )
    list_filter = ("enabled",)
    search_fields = ("organisation", "url")
    readonly_fields = ("consecutive_failures", "disabled_at", "created_at")
    actions = ["enable"]

    @admin.display(description="Targets")
    def targets_short(self, webhook: Webhook) -> str:
        return truncated(", ".join(webhook.targets)) if webhook.targets else "every change"

    @admin.display(description="Disabled at", ordering="disabled_at")
    def disabled_at_short(self, webhook: Webhook) -> str:
        return short_datetime(webhook.disabled_at)

    @admin.display(description="Delivery log")
    def log(self, webhook: Webhook) -> str:
        url = reverse("admin:alerts_webhookdelivery_changelist") + f"?webhook__id__exact={webhook.pk}"
        return format_html('<a href="{}">Deliveries</a>', url)

    @admin.action(description="Enable the selected webhooks again (failures reset; missed changes are sent)")
    def enable(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        count = 0
        for webhook in queryset:
            webhook_enable(webhook=webhook)
            count += 1
        self.message_user(request, f"{count} webhook(s) enabled.", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("webhook", "created_short", "attempt", "success", "status_code", "duration_ms", "error_short")
    list_filter = ("success", "webhook")
    list_select_related = ("webhook",)
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    @admin.display(description="When", ordering="created_at")
    def created_short(self, delivery: WebhookDelivery) -> str:
        return short_datetime(delivery.created_at)

    @admin.display(description="Error")
    def error_short(self, delivery: WebhookDelivery) -> str:
        return truncated(delivery.error)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "target_type", "target_id", "frequency", "status", "created_at")
    list_filter = ("status", "frequency", "target_type")
    search_fields = ("email",)
    readonly_fields = ("created_at", "confirmed_at", "unsubscribed_at")


@admin.register(AlertEmail)
class AlertEmailAdmin(admin.ModelAdmin):
    list_display = ("subscription", "kind", "period_start", "sent", "created_at")
    list_filter = ("kind", "sent")
    list_select_related = ("subscription__target_type",)
    readonly_fields = [field.name for field in AlertEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
