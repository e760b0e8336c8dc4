"""The calculation engine: pandas in, pandas out.

It knows nothing of Excel: it never imports xlwings or openpyxl (a test checks this in a
fresh interpreter). The workbook layer maps Excel tables to these inputs and results back.

Modules:
    references: peer references (mean, median, n-th best, named peer).
    savings: savings potentials per indicator and sector (R Tabell 4-10).
    keyfigures: growth, net operating result (booked and corrected), debt, investments,
        spending against utgiftskapasitet, need-corrected cost.
    balance: sum checks, revision balance, plan balance, one-off financing, financial rules.
    values: reading KOSTRA values (missing-value symbols, decimal comma).
"""

from .balance import (
    ADVARSEL,
    AVVIK,
    OK,
    CheckResult,
    financial_rule,
    one_off_financing,
    peer_table_summary,
    plan_balance,
    plan_balance_table,
    revision_balance,
    sum_check,
)
from .keyfigures import (
    CorrectedResult,
    annual_growth,
    change_points,
    compound_growth,
    corrected_net_operating_result,
    debt_share,
    growth_from_levels,
    investments_per_inhabitant,
    need_corrected,
    net_operating_result_share,
    real_growth,
    real_growth_from_levels,
    relative_difference,
    spending_capacity_gap,
)
from .references import (
    MeanOptions,
    Reference,
    ReferenceSpec,
    compute_reference,
    mean_reference,
    median_reference,
    named_reference,
    nth_best,
)
from .savings import (
    IndicatorSpec,
    SavingsSettings,
    indicators_from_frame,
    saving_kr,
    savings_table,
    sector_totals,
)
from .values import clean_data, parse_number

__all__ = [
    "ADVARSEL",
    "AVVIK",
    "OK",
    "CheckResult",
    "CorrectedResult",
    "IndicatorSpec",
    "MeanOptions",
    "Reference",
    "ReferenceSpec",
    "SavingsSettings",
    "annual_growth",
    "change_points",
    "clean_data",
    "compound_growth",
    "compute_reference",
    "corrected_net_operating_result",
    "debt_share",
    "financial_rule",
    "growth_from_levels",
    "indicators_from_frame",
    "investments_per_inhabitant",
    "mean_reference",
    "median_reference",
    "named_reference",
    "need_corrected",
    "net_operating_result_share",
    "nth_best",
    "one_off_financing",
    "parse_number",
    "peer_table_summary",
    "plan_balance",
    "plan_balance_table",
    "real_growth",
    "real_growth_from_levels",
    "relative_difference",
    "revision_balance",
    "saving_kr",
    "savings_table",
    "sector_totals",
    "spending_capacity_gap",
    "sum_check",
]
