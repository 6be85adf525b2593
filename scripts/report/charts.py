"""Build the report's figures from data frames.

Every function here is pure: it takes frames in the shape that `data.py`
returns and gives back summary frames or plotly figures, with no I/O.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

COMPANY = "all"
UNASSIGNED = "unassigned"
HEALTHY_ATTAINMENT_LOW = 0.55
HEALTHY_ATTAINMENT_HIGH = 0.70
# Attainment above this ratio is drawn in the last histogram bin, so that a
# few outliers do not stretch the axis.
ATTAINMENT_AXIS_MAX = 3.0
TRAILING_MONTHS = 12

COMPANY_COLOR = "#222222"
PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]

# Waterfall steps between start and end MRR: (column, label, direction).
# The direction fixes the sign, so the chart is right whether the mart stores
# decreases as negative amounts (as fct_mrr_movements does) or as magnitudes.
MOVEMENT_STEPS = [
    ("new_business_mrr", "New business", 1),
    ("expansion_mrr", "Expansion", 1),
    ("reactivation_mrr", "Reactivation", 1),
    ("contraction_mrr", "Contraction", -1),
    ("churn_mrr", "Churn", -1),
]


def _base_layout(figure: go.Figure, title: str, height: int = 420) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        template="plotly_white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 1, "xanchor": "right"},
    )
    return figure


def month_window(last_month: dt.date, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first and last month of the `months` months that end with `last_month`."""
    last = pd.Timestamp(last_month)
    first = last - pd.DateOffset(months=months - 1)
    return first, last


def ordered_regions(region_monthly: pd.DataFrame) -> list[str]:
    """List the region values by latest MRR, largest first, with `unassigned` last."""
    regions = region_monthly[region_monthly["segment"] == "region"]
    if regions.empty:
        return []
    latest = regions[regions["month"] == regions["month"].max()].set_index("segment_value")["mrr"]
    names = sorted(regions["segment_value"].unique(), key=lambda name: (name == UNASSIGNED, -latest.get(name, 0.0), name))
    return list(names)


def region_colors(regions: list[str]) -> dict[str, str]:
    """Give each region a fixed colour so that every chart uses the same one."""
    return {region: PALETTE[index % len(PALETTE)] for index, region in enumerate(regions)}


def mrr_by_region_figure(region_monthly: pd.DataFrame, currency: str) -> go.Figure:
    """Stack month-end MRR by region, with the company total as a line."""
    regions = ordered_regions(region_monthly)
    colors = region_colors(regions)
    figure = go.Figure()
    for region in regions:
        rows = region_monthly[(region_monthly["segment"] == "region") & (region_monthly["segment_value"] == region)]
        figure.add_trace(
            go.Scatter(
                x=rows["month"],
                y=rows["mrr"],
                name=region,
                stackgroup="mrr",
                line={"color": colors[region], "width": 0.5},
                hovertemplate=f"{region}<br>%{{x|%b %Y}}: %{{y:,.0f}} {currency}<extra></extra>",
            )
        )
    company = region_monthly[region_monthly["segment"] == COMPANY]
    figure.add_trace(
        go.Scatter(
            x=company["month"],
            y=company["mrr"],
            name="Company total",
            mode="lines",
            line={"color": COMPANY_COLOR, "width": 2, "dash": "dot"},
            hovertemplate=f"Company<br>%{{x|%b %Y}}: %{{y:,.0f}} {currency}<extra></extra>",
        )
    )
    _base_layout(figure, "Monthly recurring revenue (MRR) at month end, by region")
    figure.update_yaxes(title_text=f"MRR ({currency})", tickformat=",.0f", rangemode="tozero")
    figure.update_xaxes(title_text="Month")
    return figure


def net_new_mrr_by_region_figure(region_monthly: pd.DataFrame, currency: str) -> go.Figure:
    """Show each month's net new MRR per region as stacked bars, with the company net as a line."""
    regions = ordered_regions(region_monthly)
    colors = region_colors(regions)

    figure = go.Figure()
    for region in regions:
        rows = region_monthly[(region_monthly["segment"] == "region") & (region_monthly["segment_value"] == region)]
        figure.add_trace(
            go.Bar(
                x=rows["month"],
                y=rows["net_new_mrr"],
                name=region,
                marker_color=colors[region],
                hovertemplate=f"{region}<br>%{{x|%b %Y}}: %{{y:+,.0f}} {currency}<extra></extra>",
            )
        )

    company = region_monthly[region_monthly["segment"] == COMPANY]
    figure.add_trace(
        go.Scatter(
            x=company["month"],
            y=company["net_new_mrr"],
            name="Company net new MRR",
            mode="lines+markers",
            line={"color": COMPANY_COLOR, "width": 2},
            hovertemplate=f"Company<br>%{{x|%b %Y}}: %{{y:+,.0f}} {currency}<extra></extra>",
        )
    )

    _base_layout(figure, "Net new MRR per month, by region")
    figure.update_layout(barmode="relative")
    figure.update_yaxes(title_text=f"Net new MRR ({currency})", tickformat=",.0f")
    figure.update_xaxes(title_text="Month")
    return figure


def movement_totals(company_monthly: pd.DataFrame, first_month: dt.date, last_month: dt.date) -> pd.DataFrame:
    """Sum the MRR movements of the months from `first_month` to `last_month`.

    Returns one row per waterfall bar (columns step, amount, measure): start
    MRR, each movement, end MRR. Transfers between segments cancel out for the
    company and get a bar only when they do not. When start plus movements
    does not reach the end MRR, a "Not explained by movements" bar shows the
    difference instead of hiding it.
    """
    rows = company_monthly[
        (company_monthly["month"] >= pd.Timestamp(first_month)) & (company_monthly["month"] <= pd.Timestamp(last_month))
    ].sort_values("month")
    if rows.empty:
        raise ValueError(f"No company rows between {first_month} and {last_month}")

    start = float(rows["mrr_start"].iloc[0])
    end = float(rows["mrr"].iloc[-1])
    steps = [("Start MRR", start, "absolute")]
    for column, label, direction in MOVEMENT_STEPS:
        steps.append((label, direction * float(rows[column].abs().sum()), "relative"))
    steps.append(("Exchange-rate effect", float(rows["fx_adjustment_mrr"].sum()), "relative"))

    transfers = float(rows["transfer_in_mrr"].abs().sum() - rows["transfer_out_mrr"].abs().sum())
    if round(transfers, 2) != 0:
        steps.append(("Transfers between segments", transfers, "relative"))

    explained = start + sum(amount for _, amount, measure in steps if measure == "relative")
    difference = end - explained
    if round(difference, 2) != 0:
        steps.append(("Not explained by movements", difference, "relative"))
    steps.append(("End MRR", end, "total"))
    return pd.DataFrame(steps, columns=["step", "amount", "measure"])


def movement_waterfall_figure(totals: pd.DataFrame, title: str, currency: str) -> go.Figure:
    """Draw the output of `movement_totals` as a waterfall chart."""
    labels = [f"{amount:+,.0f}" if measure == "relative" else f"{amount:,.0f}" for amount, measure in zip(totals["amount"], totals["measure"])]
    figure = go.Figure(
        go.Waterfall(
            x=totals["step"],
            y=totals["amount"],
            measure=totals["measure"],
            text=labels,
            textposition="outside",
            increasing={"marker": {"color": "#2ca02c"}},
            decreasing={"marker": {"color": "#d62728"}},
            totals={"marker": {"color": "#1f77b4"}},
            connector={"line": {"color": "#999999", "width": 1}},
            hovertemplate=f"%{{x}}: %{{y:,.2f}} {currency}<extra></extra>",
        )
    )
    _base_layout(figure, title, height=400)
    figure.update_layout(showlegend=False)
    figure.update_yaxes(title_text=f"MRR ({currency})", tickformat=",.0f", range=waterfall_axis_range(totals))
    return figure


def waterfall_axis_range(totals: pd.DataFrame) -> list[float] | None:
    """Return a y-axis range that starts below the lowest running total instead of at zero.

    A month's movements are often under 1 % of MRR and would be invisible on
    an axis from zero. Returns None (plotly's automatic range) when a running
    total is not positive.
    """
    running = []
    level = 0.0
    for amount, measure in zip(totals["amount"], totals["measure"]):
        level = amount if measure in ("absolute", "total") else level + amount
        running.append(level)
    low, high = min(running), max(running)
    if low <= 0:
        return None
    span = max(high - low, 0.05 * high)
    return [max(0.0, low - 0.6 * span), high + 0.25 * span]


def cohort_heatmap_figure(cohorts: pd.DataFrame, measure: str, title: str) -> go.Figure:
    """Draw one retention heat map per region and `all`, with a menu to pick one.

    `measure` is `customer_retention` or `mrr_retention` (fractions). Rows are
    cohort months with the oldest at the top, and columns are months since the
    cohort start.
    """
    values = [COMPANY] + sorted(v for v in cohorts.loc[cohorts["segment"] == "region", "segment_value"].unique())
    figure = go.Figure()
    for index, value in enumerate(values):
        segment = COMPANY if value == COMPANY else "region"
        rows = cohorts[(cohorts["segment"] == segment) & (cohorts["segment_value"] == value)]
        grid = rows.pivot_table(index="cohort_month", columns="months_since_start", values=measure, aggfunc="sum").sort_index()
        figure.add_trace(
            go.Heatmap(
                z=grid.to_numpy(),
                x=[int(column) for column in grid.columns],
                y=[month.strftime("%Y-%m") for month in grid.index],
                zmin=0,
                zmax=1 if measure == "customer_retention" else max(1.0, min(2.0, float(np.nanmax(grid.to_numpy())) if grid.size else 1.0)),
                colorscale="Blues",
                colorbar={"title": {"text": "retained"}, "tickformat": ".0%"},
                visible=index == 0,
                name="All regions" if value == COMPANY else value,
                hovertemplate="Cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
            )
        )
    buttons = [
        {
            "label": "All regions" if value == COMPANY else value,
            "method": "update",
            "args": [{"visible": [position == index for position in range(len(values))]}],
        }
        for index, value in enumerate(values)
    ]
    _base_layout(figure, title, height=500)
    figure.update_layout(
        margin={"t": 100},
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 1, "xanchor": "right", "y": 1.01, "yanchor": "bottom", "showactive": True}],
        annotations=[{"text": "Region:", "x": 0.86, "xref": "paper", "xanchor": "right", "y": 1.035, "yref": "paper", "yanchor": "bottom", "showarrow": False}],
    )
    figure.update_xaxes(title_text="Months since the cohort's first payment", dtick=1 if len(figure.data) and len(figure.data[0].x or []) <= 24 else None)
    figure.update_yaxes(title_text="Cohort (month of first payment)", autorange="reversed", type="category")
    return figure


def _trailing(frame: pd.DataFrame, last_complete_month: dt.date, months: int) -> pd.DataFrame:
    first, last = month_window(last_complete_month, months)
    return frame[(frame["month"] >= first) & (frame["month"] <= last)]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator != 0)).astype(float)


def country_metrics(country_monthly: pd.DataFrame, last_complete_month: dt.date, months: int = TRAILING_MONTHS) -> pd.DataFrame:
    """Return MRR and customer churn rate per country.

    MRR is at the end of `last_complete_month`. The churn rate is the pooled
    monthly rate over the trailing `months` months: churned customers summed
    ÷ customers at month start summed, so small countries are not averaged as
    equals. Columns: country_code, alpha3_code, country_name, mrr,
    churned_customers, customers_start, customer_churn_rate.
    """
    keys = ["segment_value", "alpha3_code", "country_name"]
    at_month = country_monthly[country_monthly["month"] == pd.Timestamp(last_complete_month)]
    mrr = at_month.groupby(keys, dropna=False)["mrr"].sum()
    window = _trailing(country_monthly, last_complete_month, months)
    churn = window.groupby(keys, dropna=False)[["churned_customers", "customers_start"]].sum()
    result = pd.concat([mrr, churn], axis=1).fillna({"mrr": 0.0, "churned_customers": 0, "customers_start": 0}).reset_index()
    result = result.rename(columns={"segment_value": "country_code"})
    result["customer_churn_rate"] = _ratio(result["churned_customers"], result["customers_start"])
    return result.sort_values("mrr", ascending=False, ignore_index=True)


def country_map_figure(
    metrics: pd.DataFrame,
    value_column: str,
    title: str,
    colorbar_title: str,
    value_format: str,
    colorscale: str,
) -> go.Figure:
    """Colour each country with a known ISO alpha-3 code by one column of `country_metrics`."""
    mapped = metrics[metrics["alpha3_code"].notna() & metrics[value_column].notna()]
    figure = go.Figure(
        go.Choropleth(
            locations=mapped["alpha3_code"],
            locationmode="ISO-3",
            z=mapped[value_column],
            text=mapped["country_name"],
            colorscale=colorscale,
            marker={"line": {"color": "#ffffff", "width": 0.5}},
            colorbar={"title": {"text": colorbar_title}, "tickformat": value_format},
            hovertemplate=f"%{{text}}: %{{z:{value_format}}}<extra></extra>",
        )
    )
    _base_layout(figure, title, height=560)
    figure.update_geos(
        scope="world",
        resolution=110,
        projection_type="natural earth",
        showcountries=True,
        countrycolor="#bbbbbb",
        showland=True,
        landcolor="#f2f2f2",
        showframe=False,
        lataxis_range=[-58, 85],
    )
    figure.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return figure


def region_kpis(region_monthly: pd.DataFrame, last_complete_month: dt.date, months: int = TRAILING_MONTHS) -> pd.DataFrame:
    """Return ARPA, customer churn rate and trial-to-paid conversion per region and for the company.

    ARPA is MRR ÷ paying customers at the end of `last_complete_month`. The
    churn rate (churned customers ÷ customers at month start) and the
    conversion (converted trials ÷ trials started) pool the trailing `months`
    months, computed from summed parts. The company row has segment_value `all`.
    """
    at_month = region_monthly[region_monthly["month"] == pd.Timestamp(last_complete_month)]
    arpa_parts = at_month.groupby("segment_value")[["mrr", "customers"]].sum()
    window = _trailing(region_monthly, last_complete_month, months)
    sums = window.groupby("segment_value")[["churned_customers", "customers_start", "trials_converted", "trials"]].sum()
    result = pd.concat([arpa_parts, sums], axis=1).fillna(0)
    result["arpa"] = _ratio(result["mrr"], result["customers"])
    result["customer_churn_rate"] = _ratio(result["churned_customers"], result["customers_start"])
    result["trial_conversion_rate"] = _ratio(result["trials_converted"], result["trials"])
    result.index.name = "segment_value"
    return result.reset_index()


KPI_PANELS = [
    ("arpa", "Average revenue per account (ARPA)", ",.0f"),
    ("customer_churn_rate", "Monthly customer churn rate", ".1%"),
    ("trial_conversion_rate", "Trial-to-paid conversion", ".1%"),
]


def region_kpi_figure(kpis: pd.DataFrame, region_order: list[str], currency: str) -> go.Figure:
    """Show each KPI by region as bars, with the company figure as a dashed line."""
    titles = [f"{title} ({currency})" if column == "arpa" else title for column, title, _ in KPI_PANELS]
    figure = make_subplots(rows=1, cols=len(KPI_PANELS), subplot_titles=titles, horizontal_spacing=0.08)
    by_value = kpis.set_index("segment_value")
    regions = [region for region in region_order if region in by_value.index]
    colors = region_colors(region_order)
    for position, (column, title, number_format) in enumerate(KPI_PANELS, start=1):
        figure.add_trace(
            go.Bar(
                x=regions,
                y=[by_value.at[region, column] for region in regions],
                marker_color=[colors[region] for region in regions],
                name=title,
                showlegend=False,
                texttemplate=f"%{{y:{number_format}}}",
                textposition="inside",
                insidetextanchor="end",
                textfont={"color": "#ffffff"},
                hovertemplate=f"%{{x}}: %{{y:{number_format}}}<extra>{title}</extra>",
            ),
            row=1,
            col=position,
        )
        if COMPANY in by_value.index and pd.notna(by_value.at[COMPANY, column]):
            company_value = float(by_value.at[COMPANY, column])
            figure.add_hline(
                y=company_value,
                line={"color": COMPANY_COLOR, "dash": "dash", "width": 1.5},
                annotation_text=f"company {company_value:{number_format}}",
                annotation_position="top right",
                annotation_bgcolor="rgba(255, 255, 255, 0.85)",
                row=1,
                col=position,
            )
        figure.update_yaxes(tickformat=number_format, rangemode="tozero", row=1, col=position)
    _base_layout(figure, "Regions against the company average (dashed line)", height=420)
    figure.update_layout(margin={"t": 90})
    return figure


def quota_range_figure(quotas: pd.DataFrame, label_column: str, title: str, currency: str) -> go.Figure:
    """Plot each quota against the simulated P10–P90 range of bookings and the median."""
    labels = quotas[label_column].astype(str).tolist()
    p50 = quotas["p50_mrr"].astype(float)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=p50,
            y=labels,
            mode="markers",
            name="Expected bookings: median with P10–P90 range",
            marker={"color": "#1f77b4", "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (quotas["p90_mrr"].astype(float) - p50).tolist(),
                "arrayminus": (p50 - quotas["p10_mrr"].astype(float)).tolist(),
                "thickness": 6,
                "width": 0,
                "color": "rgba(31, 119, 180, 0.35)",
            },
            hovertemplate=f"%{{y}}: median %{{x:,.0f}} {currency}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=quotas["quota_mrr"].astype(float),
            y=labels,
            mode="markers",
            name="Recommended quota",
            marker={"color": "#d62728", "size": 11, "symbol": "diamond"},
            customdata=quotas["prob_reach_quota"].astype(float),
            hovertemplate=f"%{{y}}: quota %{{x:,.0f}} {currency}, chance of reaching it %{{customdata:.0%}}<extra></extra>",
        )
    )
    _base_layout(figure, title, height=max(260, 60 + 34 * len(labels)))
    figure.update_xaxes(title_text=f"New-business MRR in the period ({currency})", tickformat=",.0f", rangemode="tozero")
    figure.update_yaxes(autorange="reversed", type="category")
    return figure


def attainment_by_quarter(backtest: pd.DataFrame, level: str | None = None) -> tuple[pd.DataFrame, str]:
    """Return the share reaching quota per back-tested quarter, and the level used.

    Uses the rows of `level` (`rep` or `region`); by default rep rows when
    there are any, else region rows. Rows with a quota of 0 are left out:
    booking nothing against no quota is not reaching one. Columns:
    backtest_quarter, quotas, attained, share_attained.
    """
    if level is None:
        level = "rep" if (backtest["level"] == "rep").any() else "region"
    rows = backtest[(backtest["level"] == level) & (backtest["quota_mrr"] > 0)]
    summary = rows.groupby("backtest_quarter").agg(quotas=("attained", "size"), attained=("attained", "sum")).reset_index()
    summary["attained"] = summary["attained"].astype(int)
    summary["share_attained"] = summary["attained"] / summary["quotas"]
    return summary, level


def attainment_figure(backtest: pd.DataFrame) -> go.Figure:
    """Show the back-tested share reaching quota per quarter against the 55–70 % healthy range, and the spread of attainment."""
    summary, level = attainment_by_quarter(backtest)
    population = "salespeople" if level == "rep" else "regions"
    rows = backtest[(backtest["level"] == level) & (backtest["quota_mrr"] > 0)]
    attainment = (rows["actual_mrr"] / rows["quota_mrr"]).clip(upper=ATTAINMENT_AXIS_MAX)
    with_regions = level == "rep" and ((backtest["level"] == "region") & (backtest["quota_mrr"] > 0)).any()
    bar_title = "Share of salespeople and regions reaching quota" if with_regions else f"Share of {population} reaching quota"

    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[f"{bar_title}, per quarter", f"Bookings ÷ quota, all {population} and quarters"],
        horizontal_spacing=0.1,
    )
    figure.add_trace(
        go.Bar(
            x=summary["backtest_quarter"],
            y=summary["share_attained"],
            customdata=np.stack([summary["attained"], summary["quotas"]], axis=1),
            marker_color="#1f77b4",
            texttemplate="%{y:.0%}",
            textposition="outside",
            name="Share reaching quota",
            showlegend=False,
            hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} reached quota<extra></extra>",
        ),
        row=1,
        col=1,
    )
    # plotly adds a shape to a subplot only once the subplot contains a trace,
    # so the band follows the bars.
    figure.add_hrect(
        y0=HEALTHY_ATTAINMENT_LOW,
        y1=HEALTHY_ATTAINMENT_HIGH,
        fillcolor="#2ca02c",
        opacity=0.2,
        line_width=0,
        layer="below",
        row=1,
        col=1,
    )
    for bound in (HEALTHY_ATTAINMENT_LOW, HEALTHY_ATTAINMENT_HIGH):
        figure.add_hline(y=bound, line={"color": "#2ca02c", "dash": "dash", "width": 1.5}, row=1, col=1)
    figure.add_annotation(
        text="healthy range 55–70 %",
        x=1,
        xref="x domain",
        xanchor="right",
        y=HEALTHY_ATTAINMENT_HIGH,
        yref="y",
        yanchor="bottom",
        showarrow=False,
        font={"color": "#1a7a1a"},
        bgcolor="rgba(255, 255, 255, 0.85)",
    )
    figure.add_trace(
        go.Histogram(
            x=attainment,
            xbins={"start": 0, "end": ATTAINMENT_AXIS_MAX + 0.25, "size": 0.25},
            marker_color="#9467bd",
            name="Attainment",
            showlegend=False,
            hovertemplate="%{x}: %{y}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    figure.add_vline(x=1.0, line={"color": COMPANY_COLOR, "dash": "dash"}, annotation_text="quota", row=1, col=2)
    # With salesperson rows, region bars are added last, beside the salesperson
    # bars, so the first two traces stay the salesperson bars and the histogram.
    if with_regions:
        regions, _ = attainment_by_quarter(backtest, "region")
        figure.add_trace(
            go.Bar(
                x=regions["backtest_quarter"],
                y=regions["share_attained"],
                customdata=np.stack([regions["attained"], regions["quotas"]], axis=1),
                marker_color="#ff7f0e",
                texttemplate="%{y:.0%}",
                textposition="outside",
                name="Regions",
                hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} regions reached quota<extra></extra>",
            ),
            row=1,
            col=1,
        )
        figure.data[0].update(name="Salespeople", showlegend=True)
    figure.update_yaxes(tickformat=".0%", range=[0, 1.08], row=1, col=1)
    figure.update_xaxes(title_text="Back-tested quarter", type="category", row=1, col=1)
    figure.update_xaxes(title_text=f"Bookings as a share of quota (above {ATTAINMENT_AXIS_MAX:.0%} counted at {ATTAINMENT_AXIS_MAX:.0%})", tickformat=".0%", row=1, col=2)
    figure.update_yaxes(title_text=f"Number of {population}-quarters", row=1, col=2)
    _base_layout(figure, "Back-test: how often the method's quotas would have been reached", height=420)
    figure.update_layout(margin={"t": 90}, bargap=0.35)
    if with_regions:
        # Below the left chart's axis title, so the legend covers neither chart.
        figure.update_layout(
            barmode="group", height=460, margin={"t": 90, "b": 110},
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.28, "yanchor": "top"},
        )
    return figure
