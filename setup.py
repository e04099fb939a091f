from setuptools import setup

setup(cffi_modules=["native/build_native.py:ffibuilder"])  # builds fastact._native (see native/)
