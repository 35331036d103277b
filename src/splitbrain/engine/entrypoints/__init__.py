"""The engine's doors to the world: the HTTP receiver, the MLLP listener, /metrics, the loops."""
