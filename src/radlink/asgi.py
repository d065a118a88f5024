"""Entry point for ASGI servers: ``uvicorn radlink.asgi:app``."""

from radlink.app import create_app

app = create_app()
