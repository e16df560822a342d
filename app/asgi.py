"""The ASGI application uvicorn serves."""

from app.main import create_app
from live.collector import tune_collector

app = create_app()
# What importing the app built lives as long as the process: the collector need not walk it again.
tune_collector()
