"""Questions in plain language: a parser into a typed query, and the answers to it."""
