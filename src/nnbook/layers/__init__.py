"""The layers, one concept per module, named as in PyTorch."""
