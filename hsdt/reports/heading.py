"""What the appendices print above and below their tables (Nghị định 30/2020/NĐ-CP, Phụ lục I): the
issuing body, the notice they are attached to, the place, the school year and the managing level's name.

These facts belong to the campaign and to the unit levels; `heading_for` is the one place that reads
them, so the forms never hard-code a body or a level ("Phòng GD&ĐT", "quận/huyện")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hsdt.storage.models import Campaign
from hsdt.texts import report as m
from hsdt.texts.levels import GENERIC, Levels


@dataclass(frozen=True)
class FormHeading:
    issuer: str  # the Sở, e.g. "Sở Giáo dục và Đào tạo" (printed in capitals)
    issuer_parent: str  # the body above it, e.g. "UBND thành phố Hải Phòng"
    notice_number: str  # e.g. "…/TB-SGDĐT-MN" while the number is not known
    notice_date: date | None  # None: printed as dots for the clerk to fill in
    place: str  # "Hải Phòng", for the date line
    school_year: str  # "2024-2025"
    level_name: str  # the managing level as the forms name it: "Phòng GD&ĐT", "UBND xã/phường", …
    level_head: str  # its head's role in the signature block: "TRƯỞNG PHÒNG", "CHỦ TỊCH", …
    campaign_name: str

    def notice_ref(self) -> str:
        when = self.notice_date.strftime("%d/%m/%Y") if self.notice_date is not None else m.DATE_UNKNOWN
        return m.NOTICE_REF.format(number=self.notice_number, date=when, issuer=self.issuer)

    def date_line(self, moment: datetime, tz: str) -> str:
        return date_line(self.place, moment.astimezone(ZoneInfo(tz)).date())


def date_line(place: str, day: date) -> str:
    """"Hải Phòng, ngày 05 tháng 01 năm 2025": a day under 10 and a month under 3 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return m.DATE_LINE.format(place=place, day=f"{day.day:02d}", month=month, year=day.year)


def school_year(start: date) -> str:
    """A school year starts in August or September: 2024-2025 for records from 09/2024."""
    first = start.year if start.month >= 8 else start.year - 1
    return f"{first}-{first + 1}"


def heading_for(campaign: Campaign, levels: Levels | None = None) -> FormHeading:
    """The heading of every form of `campaign`, from its notice fields and its level names. The notice's
    number is printed as dots for the clerk while the campaign does not hold it yet."""
    managing = (levels or GENERIC).managing
    return FormHeading(
        issuer=campaign.issuer or m.DEFAULT_ISSUER,
        issuer_parent=campaign.issuer_parent or m.DEFAULT_ISSUER_PARENT,
        notice_number=campaign.notice_no or m.DEFAULT_NOTICE_NUMBER,
        notice_date=campaign.notice_date,
        place=campaign.place or m.DEFAULT_PLACE,
        school_year=campaign.school_year or school_year(campaign.record_start),
        level_name=managing.singular,
        level_head=m.DEFAULT_LEVEL_HEAD,
        campaign_name=campaign.name,
    )
