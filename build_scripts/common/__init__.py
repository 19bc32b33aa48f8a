"""Shared by every family: where things live, how Chromium starts, a local server."""
