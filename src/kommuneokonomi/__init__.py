"""kommuneokonomi: the calculation engine behind an Excel add-in for Norwegian municipal finance.

``kommuneokonomi.engine`` is pure pandas; the workbook layer and the entry points sit on top.
"""

__version__ = "0.1.0"
