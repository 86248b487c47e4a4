"""Operators of the console: a platform's staff, with roles and permissions
(:mod:`coffer.identity.operators.roles`)."""
