"""Check SLA feasibility of a vendor offer against a running LabelOps server, for CI and shell pipelines.

    LABELOPS_API_KEY=<key> .venv/bin/python examples/check_sla.py --url http://127.0.0.1:8000/graphql \
        --demand-per-day 900 --minutes-per-label 2 --headcount 12 --hourly-rate 14 --ramp 0:3 \
        --turnaround-hours 72 --required-attainment 0.9 --weeks 4

The key comes from the LABELOPS_API_KEY environment variable (sent as `Authorization: Bearer <key>`), never from
the command line, where other users of the machine could read it.

Exit codes: 0 feasible, 1 infeasible, 2 bad input (arguments or a value the server refuses), 3 the server cannot
be reached or refuses the key. Every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, NoReturn

import httpx

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FEASIBLE",
    "EXIT_INFEASIBLE",
    "EXIT_UNREACHABLE",
    "main",
    "parse_ramp",
]

EXIT_FEASIBLE = 0
EXIT_INFEASIBLE = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3

FEASIBILITY = """
query CheckSla($input: SlaFeasibilityInput!) {
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


class _Failure(Exception):
    """A reason to stop with ``code``; ``message`` is the one line the user reads."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (no usage block) with the bad-input exit code."""

    def error(self, message: str) -> NoReturn:
        raise _Failure(EXIT_BAD_INPUT, f"bad input: {message}")


def _number(text: str) -> float:
    """A finite float: JSON has no NaN or infinity, so the request could not even be written."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


_number.__name__ = "finite number"  # argparse names the type in its message: "invalid finite number value: 'nan'"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--demand-per-day", type=_number, required=True)
    parser.add_argument("--minutes-per-label", type=_number, default=2.0)
    parser.add_argument("--headcount", type=int, required=True)
    parser.add_argument("--hourly-rate", type=_number)
    parser.add_argument("--price-per-label", type=_number)
    parser.add_argument("--ramp", default="", help="hires as WEEK:COUNT,WEEK:COUNT (e.g. 0:5,2:5)")
    parser.add_argument("--turnaround-hours", type=_number, default=48.0)
    parser.add_argument("--required-attainment", type=_number, default=0.95)
    parser.add_argument("--required-probability", type=_number, default=0.9)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--replications", type=int, default=64)
    parser.add_argument("--timeout", type=_number, default=120.0, help="seconds to wait for the answer")
    return parser.parse_args(argv)


def parse_ramp(text: str) -> list[dict[str, int]]:
    """``"0:5,2:5"`` as ramp steps; a malformed step raises ``_Failure`` naming it."""
    ramp = []
    for step in filter(None, (part.strip() for part in text.split(","))):
        week, separator, count = step.partition(":")
        try:
            parsed = {"week": int(week), "count": int(count)}
        except ValueError:
            parsed = None
        if not separator or parsed is None or parsed["week"] < 0 or parsed["count"] < 0:
            raise _Failure(
                EXIT_BAD_INPUT, f"bad input: --ramp step {step!r} must be WEEK:COUNT with integers >= 0 (e.g. 0:5)"
            )
        ramp.append(parsed)
    return ramp


def _variables(args: argparse.Namespace) -> dict[str, Any]:
    offer: dict[str, Any] = {"headcount": args.headcount, "ramp": parse_ramp(args.ramp)}
    if args.hourly_rate is not None:
        offer["hourlyRate"] = args.hourly_rate
    if args.price_per_label is not None:
        offer["pricePerLabel"] = args.price_per_label
    return {
        "input": {
            "demand": {"basePerDay": args.demand_per_day, "minutesPerLabel": args.minutes_per_label},
            "offer": offer,
            # The built-in base scenario is only a template: the offer is the whole workforce being checked.
            "offerMode": "REPLACE",
            "sla": {"turnaroundHours": args.turnaround_hours, "requiredAttainment": args.required_attainment},
            "horizonWeeks": args.weeks,
            "replications": args.replications,
            "requiredProbability": args.required_probability,
        }
    }


def _first_error(body: Any) -> tuple[str, str]:
    """(code, message) of the first GraphQL error in ``body``, ("", "") when there is none."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors or not isinstance(errors, list) or not isinstance(errors[0], dict):
        return "", ""
    first = errors[0]
    extensions = first.get("extensions") or {}
    return str(extensions.get("code", "")), str(first.get("message", "")).strip()


def _ask(args: argparse.Namespace, variables: dict[str, Any]) -> dict[str, Any]:
    """The ``slaFeasibility`` answer; raises ``_Failure`` for anything that is not one."""
    key = os.environ.get("LABELOPS_API_KEY", "").strip()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.post(
            args.url, json={"query": FEASIBILITY, "variables": variables}, headers=headers, timeout=args.timeout
        )
    except httpx.InvalidURL as error:
        raise _Failure(EXIT_BAD_INPUT, f"bad input: --url {args.url!r} is not a valid URL ({error})") from None
    except httpx.UnsupportedProtocol:
        raise _Failure(EXIT_BAD_INPUT, f"bad input: --url {args.url!r} must start with http:// or https://") from None
    except httpx.TimeoutException:
        raise _Failure(EXIT_UNREACHABLE, f"cannot reach {args.url}: no answer within {args.timeout:g} s") from None
    except httpx.HTTPError as error:
        raise _Failure(EXIT_UNREACHABLE, f"cannot reach {args.url}: {error or type(error).__name__}") from None
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    code, message = _first_error(body)
    if response.status_code in (401, 403) or code in ("UNAUTHENTICATED", "FORBIDDEN"):
        hint = "" if key else " (set LABELOPS_API_KEY)"
        raise _Failure(EXIT_UNREACHABLE, f"the server refused the API key{hint}: {message or response.status_code}")
    if body is None:
        raise _Failure(
            EXIT_UNREACHABLE, f"{args.url} answered HTTP {response.status_code} without JSON: is it a LabelOps server?"
        )
    data = body.get("data") if isinstance(body, dict) else None
    answer = data.get("slaFeasibility") if isinstance(data, dict) else None
    if not isinstance(answer, dict):
        if response.status_code >= 500 or code in ("UNAVAILABLE", "RATE_LIMITED"):
            raise _Failure(EXIT_UNREACHABLE, f"the server could not answer (HTTP {response.status_code}): {message}")
        # The server refused the request itself: an argument it could not accept.
        raise _Failure(EXIT_BAD_INPUT, f"bad input: {message or f'HTTP {response.status_code}'}")
    if answer.get("__typename") != "SlaFeasibility":
        field, message = answer.get("field"), str(answer.get("message"))
        # Messages name their field already; a field is prefixed only to a message that does not.
        named = message if not field or message.startswith(field) else f"{field}: {message}"
        raise _Failure(EXIT_BAD_INPUT, f"bad input: {named}")
    return answer


def _report(answer: dict[str, Any]) -> int:
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
        return EXIT_FEASIBLE
    week = answer["firstFailingWeek"]
    print(f"infeasible: week {week} fails first" if week else "infeasible")
    return EXIT_INFEASIBLE


def main(argv: list[str] | None = None) -> int:
    try:
        args = _arguments(argv)
        return _report(_ask(args, _variables(args)))
    except _Failure as failure:
        print(failure.message, file=sys.stderr)
        return failure.code


if __name__ == "__main__":
    sys.exit(main())
