"""The lifter: pose prior, CMU mocap retargeting, training data, training and evaluation."""
