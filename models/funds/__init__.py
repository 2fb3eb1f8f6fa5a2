"""The public fund ledger: donations, expenses and their approval, as one append-only hash chain per village."""
