"""The names of Numscript's experimental features, enabled by ``#![feature("...")]``."""

from __future__ import annotations

FLAG_OVERDRAFT_FUNCTION = "experimental-overdraft-function"
FLAG_GET_ASSET_FUNCTION = "experimental-get-asset-function"
FLAG_GET_AMOUNT_FUNCTION = "experimental-get-amount-function"
FLAG_ONEOF = "experimental-oneof"
FLAG_ACCOUNT_INTERPOLATION = "experimental-account-interpolation"
FLAG_MID_SCRIPT_FUNCTION_CALL = "experimental-mid-script-function-call"
FLAG_ASSET_COLORS = "experimental-asset-colors"
FLAG_ASSET_SCALING = "experimental-asset-scaling"

FEATURE_FLAGS = frozenset(
    {
        FLAG_OVERDRAFT_FUNCTION,
        FLAG_GET_ASSET_FUNCTION,
        FLAG_GET_AMOUNT_FUNCTION,
        FLAG_ONEOF,
        FLAG_ACCOUNT_INTERPOLATION,
        FLAG_MID_SCRIPT_FUNCTION_CALL,
        FLAG_ASSET_COLORS,
        FLAG_ASSET_SCALING,
    }
)
