"""Disputes of paid requests: Stripe's charge.dispute.* events recorded on the payment,
emailed to the clinic, listed on Configure > Disputes. (issue 21, part 3)"""
