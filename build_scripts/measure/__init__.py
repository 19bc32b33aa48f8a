"""Measurement: accuracy on the fixtures, benchmarks, profiles, soak runs, pipeline traces.

The browser tools (bench, bench_profile, soak) share common.py (frames, the PoseTrack clip, a
report's header) and serve their pages from pages/, which the browser tests load from too.
"""
