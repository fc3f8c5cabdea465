"""Receipts a patient can claim with (issue 22): the clinic's receipt details, provider
numbers, each request's date of service and line items, and the receipt PDF."""
