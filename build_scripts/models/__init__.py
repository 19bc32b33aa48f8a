"""Model conversion: extract from @mediapipe/holistic, densify, tf2onnx, fuse the crop, verify."""
