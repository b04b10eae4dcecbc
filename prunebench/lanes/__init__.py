"""Lane detection on TuSimple (SLR paper Table 4): the official metric and the UFLD row-anchor task."""
