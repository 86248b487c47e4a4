"""The HTTP API: app factory, auth, error rendering and routers (``coffer serve``)."""

from coffer.api.app import create_app

__all__ = ["create_app"]
