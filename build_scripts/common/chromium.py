"""How every script and test here starts Debian's Chromium (never a downloaded browser).

The background-networking flags matter on this offline machine: without them Chromium
keeps dialling Google's services and its connections are refused many times a second.
"""
from __future__ import annotations

import os

CHROMIUM = os.environ.get("BPH_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
