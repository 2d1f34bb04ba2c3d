"""Check SLA feasibility of a vendor offer against a running LabelOps server; exit 1 when it is infeasible.

    .venv/bin/python examples/check_sla.py --url http://127.0.0.1:8000/graphql \
        --demand-per-day 900 --minutes-per-label 2 --headcount 12 --hourly-rate 14 \
        --turnaround-hours 72 --required-attainment 0.9 --weeks 4

Set LABELOPS_API_KEY to send `Authorization: Bearer <key>`. Exit codes: 0 feasible, 1 infeasible, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.requests import RequestsHTTPTransport

FEASIBILITY = """
query($input: SlaFeasibilityInput!) {
  slaFeasibility(input: $input) {
    __typename
    ... on SlaFeasibility {
      feasible probability ciLow ciHigh requiredProbability firstFailingWeek replications
      slaAttainment { mean ciLow ciHigh }
      totalCost { mean }
    }
    ... on UserError { message field }
  }
}
"""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--demand-per-day", type=float, required=True)
    parser.add_argument("--minutes-per-label", type=float, default=2.0)
    parser.add_argument("--headcount", type=int, required=True)
    parser.add_argument("--hourly-rate", type=float)
    parser.add_argument("--price-per-label", type=float)
    parser.add_argument("--ramp", default="", help="hires as WEEK:COUNT,WEEK:COUNT (e.g. 0:5,2:5)")
    parser.add_argument("--turnaround-hours", type=float, default=48.0)
    parser.add_argument("--required-attainment", type=float, default=0.95)
    parser.add_argument("--required-probability", type=float, default=0.9)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--replications", type=int, default=64)
    return parser.parse_args(argv)


def _variables(args: argparse.Namespace) -> dict[str, Any]:
    ramp = []
    for step in filter(None, args.ramp.split(",")):
        week, _, count = step.partition(":")
        ramp.append({"week": int(week), "count": int(count)})
    offer: dict[str, Any] = {"headcount": args.headcount, "ramp": ramp}
    if args.hourly_rate is not None:
        offer["hourlyRate"] = args.hourly_rate
    if args.price_per_label is not None:
        offer["pricePerLabel"] = args.price_per_label
    return {
        "input": {
            "demand": {"basePerDay": args.demand_per_day, "minutesPerLabel": args.minutes_per_label},
            "offer": offer,
            "sla": {"turnaroundHours": args.turnaround_hours, "requiredAttainment": args.required_attainment},
            "horizonWeeks": args.weeks,
            "replications": args.replications,
            "requiredProbability": args.required_probability,
        }
    }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    key = os.environ.get("LABELOPS_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else None
    transport = RequestsHTTPTransport(url=args.url, headers=headers, timeout=120)
    with Client(transport=transport) as session:
        answer = session.execute(GraphQLRequest(FEASIBILITY, variable_values=_variables(args)))["slaFeasibility"]
    if answer["__typename"] != "SlaFeasibility":
        print(f"error: {answer['field']}: {answer['message']}", file=sys.stderr)
        return 2
    attainment = answer["slaAttainment"]
    print(
        f"P(SLA met) = {answer['probability']:.2f} (95% CI {answer['ciLow']:.2f}-{answer['ciHigh']:.2f}, "
        f"{answer['replications']} replications; required {answer['requiredProbability']:.2f})"
    )
    print(
        f"SLA attainment {attainment['mean']:.3f} (95% CI {attainment['ciLow']:.3f}-{attainment['ciHigh']:.3f}); "
        f"expected cost {answer['totalCost']['mean']:,.0f}"
    )
    if answer["feasible"]:
        print("feasible")
        return 0
    week = answer["firstFailingWeek"]
    print(f"infeasible: week {week} fails first" if week else "infeasible")
    return 1


if __name__ == "__main__":
    sys.exit(main())
