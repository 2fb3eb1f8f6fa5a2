"""The mini-program HTTP API (/api/v1): login and linking on the public door, everything else on the token
door. The rules are models/' own; this package only reads HTTP, checks who may act, and renders answers."""
