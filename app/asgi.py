"""The ASGI application uvicorn serves."""

from app.main import create_app

app = create_app()
