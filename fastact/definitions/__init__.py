"""Scalar definitions: the one place each formula is written."""
