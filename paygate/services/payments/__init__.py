"""Payment requests: creation, Stripe's word on them (webhooks), closing, the ledger, the views
both people in the call see, and the receipt email."""
