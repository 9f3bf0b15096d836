from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self):
        # The ledger cannot import billing (DESIGN §2); it announces its cash entries with
        # signals and the cash book follows them (billing.receivers).
        from billing import receivers
        from billing.selectors.cash import drawer_drift
        from billing.selectors.invoices import invoice_drift
        from ledger import signals
        from ledger.selectors.drift import register_drift_check

        signals.payment_recorded.connect(receivers.on_payment_recorded, dispatch_uid="billing.cash_payment")
        signals.payment_voided.connect(receivers.on_payment_voided, dispatch_uid="billing.cash_payment_void")
        signals.refund_recorded.connect(receivers.on_refund_recorded, dispatch_uid="billing.cash_refund")
        signals.refund_voided.connect(receivers.on_refund_voided, dispatch_uid="billing.cash_refund_void")
        # check_ledger also proves the invoices and the cash book against the ledger.
        register_drift_check(invoice_drift)
        register_drift_check(drawer_drift)
