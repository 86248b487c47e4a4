"""FastAPI routers of the HTTP API."""
