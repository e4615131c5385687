"""Code generators and maintenance scripts of pnc-evcc."""
