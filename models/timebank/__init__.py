"""The time bank: minutes earned by helping, spent on visits, given and donated, as balanced double entries."""
from models.timebank.totals import village_totals

__all__ = ["village_totals"]
