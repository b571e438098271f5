"""The baseline: the Channels tutorial's chat consumer, with nothing of ours around it."""
