"""Measurement: accuracy on the fixtures, benchmarks, profiles, soak runs, pipeline traces."""
