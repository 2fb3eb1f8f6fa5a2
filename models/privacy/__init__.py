"""Personal information rights (PIPL): consent per purpose, access log, export, erasure, retention."""
