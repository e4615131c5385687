"""pnc-evcc: the vehicle side of ISO 15118 Plug & Charge."""

__version__ = "0.1.0"
