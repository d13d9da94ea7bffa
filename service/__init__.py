"""FastAPI service over the matcher library: persistence, roles, live updates.

`create_app(settings)` in `service.main` builds the app; `python -m service` (or `matcher serve`)
runs it with uvicorn. The library (`matcher/`) never imports from here.
"""
