"""Bundling: web/dist (JS, browser wheel, Pyodide, onnxruntime-web, models) and the demo."""
