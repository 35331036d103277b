"""splitbrain's own test suite."""
