"""zhuanlan (专栏): a static site generator for Chinese party-building report columns."""

__version__ = "0.1.0"
