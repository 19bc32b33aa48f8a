"""The workshop: everything that builds, trains or measures the product, never shipped.

    common/   paths, the cache, Chromium's launch flags, the local HTTP server
    models/   MediaPipe's TFLite models -> verified ONNX with the crop graph fused in front
    bundle/   web/dist (JS bundles, the browser wheel, runtime files), the demo's sample clip
              and the README's screenshot of the demo
    lifter/   the body-model lifter: pose prior, CMU retargeting, training, evaluation
    measure/  accuracy on the fixtures, benchmarks against MediaPipe, soak runs, traces

Run a tool as a module from the repository root (``./run py -m build_scripts.measure.bench``);
``./run`` puts the root and py_src on PYTHONPATH. The product (py_src) never imports this.
"""
