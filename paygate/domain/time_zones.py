"""A clinic's time zone, for the times in its emails: the one its admin chose, else the
main zone of its Stripe account's country, else UTC."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_ZONE = "UTC"

# The zone most of a country's people live in (an admin picks another on the Edit form).
COUNTRY_ZONES = {
    "AE": "Asia/Dubai", "AT": "Europe/Vienna", "AU": "Australia/Sydney",
    "BD": "Asia/Dhaka", "BE": "Europe/Brussels", "BR": "America/Sao_Paulo",
    "CA": "America/Toronto", "CH": "Europe/Zurich", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "ES": "Europe/Madrid", "FI": "Europe/Helsinki",
    "FR": "Europe/Paris", "GB": "Europe/London", "IE": "Europe/Dublin",
    "IN": "Asia/Kolkata", "IR": "Asia/Tehran", "IT": "Europe/Rome", "JP": "Asia/Tokyo",
    "MX": "America/Mexico_City", "NL": "Europe/Amsterdam", "NO": "Europe/Oslo",
    "NZ": "Pacific/Auckland", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon",
    "SE": "Europe/Stockholm", "SG": "Asia/Singapore", "US": "America/New_York",
}


@cache
def all_zones() -> tuple[str, ...]:
    """Every IANA zone name, sorted (what the Edit form offers)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == DEFAULT_ZONE))


def is_zone(name: str) -> bool:
    return name in all_zones()


def zone_for_country(country: str | None) -> str:
    return COUNTRY_ZONES.get((country or "").upper(), DEFAULT_ZONE)


def zone_info(name: str | None) -> ZoneInfo:
    """The zone to show times in; an unknown or missing name is UTC."""
    return ZoneInfo(name if name and is_zone(name) else DEFAULT_ZONE)
