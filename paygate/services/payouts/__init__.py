"""Payouts of a clinic's Stripe balance to its bank, read from Stripe, and what each one
holds (payments, refunds, fees, disputes). (issue 21, part 4)"""
