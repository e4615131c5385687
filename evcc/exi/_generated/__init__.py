"""Generated EXI grammar modules (one per grammar set); see tools/exigen."""
