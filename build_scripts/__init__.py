"""Build-time tools: model extraction and conversion, web bundle, training, benchmarks."""
