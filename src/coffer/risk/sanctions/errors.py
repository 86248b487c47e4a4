"""Errors of sanctions screening, in Coffer's one error tree."""

from __future__ import annotations

from coffer.errors import ValidationError


class UnknownListFormat(ValidationError, code="sanctions_list_format_unknown"):
    pass


class InvalidListFile(ValidationError, code="sanctions_list_invalid"):
    pass


class InvalidScreeningInput(ValidationError, code="sanctions_input_invalid"):
    pass
