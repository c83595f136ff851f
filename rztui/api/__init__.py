"""ROUND0 Interviews API: client, models and errors (no Textual here)."""

# Here rather than in client.py so that reading settings does not import httpx.
DEFAULT_BASE_URL = "https://rz-app-omega.vercel.app"
