"""The shop's message log (DESIGN §7): every email, WhatsApp and SMS message sent, or
tried, to a customer or user."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Shop
from customers.models import Customer


class Message(models.Model):
    """One message sent (or tried) to a customer or user: the shop's message log.

    ``for_date`` is set only for scheduled reminders, so a customer gets at most one
    scheduled reminder per channel and day (the unique constraint makes
    ``send_due_reminders`` idempotent even if two runs overlap).

    ``idempotency_key`` is the one-time key of the form that asked for the message (the
    customer page's "Remind by email"), unique per shop: a double submit finds the
    first message and queues nothing more (``messaging.services.email_queue``).

    An email goes queued → sending (a task claimed it) → sent or failed; failed goes back
    to queued for a retry. ``status_changed_at`` is when it entered its current status:
    an email "sending" for longer than the send timeout plus a margin was lost with its
    worker and is recovered (``messaging.services.message_recover_stuck``); one "queued"
    for long lost its task (``retry_failed_messages``).

    The table keeps its first name, ``ledger_message``: the model moved from the ledger
    app to this one without copying a row (``messaging/migrations/0001_initial.py``).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        RECEIPT = "receipt", _("Receipt")
        INVOICE = "invoice", _("Invoice")
        STATEMENT = "statement", _("Statement")
        WELCOME = "welcome", _("Welcome")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    # Email only: the HTML alternative, and the function (dotted path, called with the
    # message and ``attachment_args``) that builds the attachments at send time.
    html_body = models.TextField(blank=True)
    attachment_builder = models.CharField(max_length=200, blank=True)
    attachment_args = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    for_date = models.DateField(null=True, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(shop="shop")

    class Meta:
        db_table = "ledger_message"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["shop", "created_at"], name="message_shop_created"),
            models.Index(fields=["shop", "customer", "created_at"], name="message_shop_customer"),
            models.Index(fields=["shop", "status"], name="message_shop_status"),
            # Cross-shop on purpose: the task worker's recovery of emails stuck "sending"
            # (all shops at once, every minute) reads this index alone.
            models.Index(fields=["status", "status_changed_at"], name="message_status_since"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "channel", "for_date"],
                                    name="message_one_scheduled_per_day"),
            models.UniqueConstraint(fields=["shop", "idempotency_key"], name="message_unique_shop_key"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to} ({self.status})"
