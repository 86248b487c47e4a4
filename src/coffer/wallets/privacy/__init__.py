"""Customers' personal data: per-customer data keys (envelope encryption under the master
key), erasure by crypto-shredding, export, consents and retention. See docs/privacy.md."""
