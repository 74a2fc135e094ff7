"""Spending analytics on a transactions frame (`Store.transactions_frame`): the public face of
`prepared` (the view every figure works on), `headline_figures`, `breakdowns` and `trends`.
Colours are in `app.palette`, calendar periods in `app.periods`.

Semantics, shared by the dashboard, the charts and every export:

- **Spending** is the net of spend-kind categories: an outflow adds to its category, a refund
  (a positive amount in a spend category) reduces that category. Fees & Interest is spending.
- **Transfers & Card Payments** (kind "transfer") are money moving between the user's own
  accounts. They are left out of spending unless `include_transfers=True`, in which case they
  are netted like a spend category. Both sides of a pair `app.transfers` matched (a
  `transfer_pair`) count as transfers whatever their category; an unmatched side keeps its own.
- **Income** is the net of the Income category (a reversed cash-back reduces it).
- **Uncategorized** outflows count as spending under "Uncategorized", so nothing disappears
  before review. Uncategorized inflows are neither income nor refunds: they are counted and
  reported (`Headline.uncategorized_inflows`), never guessed at.
- Amounts in different currencies are never added together. Every function works on one
  currency: the one asked for, or the primary currency (the one with most transactions).

Everything is summed as integers in each currency's minor units (the store's `amount_minor`,
int64, vectorised at 100k rows), and turned into exact `Decimal`s only for what people read,
through `app.money`. No amount is ever a float here; plotly and Excel get the Decimals.
"""

from app.categorize.taxonomy import INCOME, TRANSFERS
from app.insights.breakdowns import (
    category_totals,
    merchant_labels,
    monthly_spend_by_category,
    spend_by_category,
    top_merchants,
)
from app.insights.headline_figures import (
    UNCATEGORIZED_NOTE,
    CurrencyTotals,
    Headline,
    currency_totals,
    headline,
)
from app.insights.prepared import (
    category_order,
    currencies,
    default_kinds,
    primary_currency,
    row_kinds,
    taxonomy_kinds,
)
from app.insights.trends import MAX_CUMULATIVE_POINTS, cumulative_spend, income_vs_spending
from app.models import UNCATEGORIZED

__all__ = [
    "INCOME",
    "MAX_CUMULATIVE_POINTS",
    "TRANSFERS",
    "UNCATEGORIZED",
    "UNCATEGORIZED_NOTE",
    "CurrencyTotals",
    "Headline",
    "category_order",
    "category_totals",
    "cumulative_spend",
    "currencies",
    "currency_totals",
    "default_kinds",
    "headline",
    "income_vs_spending",
    "merchant_labels",
    "monthly_spend_by_category",
    "primary_currency",
    "row_kinds",
    "spend_by_category",
    "taxonomy_kinds",
    "top_merchants",
]
