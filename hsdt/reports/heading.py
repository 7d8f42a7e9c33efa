"""What the appendices print above and below their tables (Nghị định 30/2020/NĐ-CP, Phụ lục I).

Two kinds of facts:

- the campaign's (`FormHeading`): the notice the forms are attached to ("Kèm theo Thông báo số … ngày …
  của Sở Giáo dục và Đào tạo …"), the school year, and the province ("tỉnh" or "thành phố");
- each issuing unit's (`Issuer`): the body it belongs to (the line above), its full official name in
  capitals, the place name of its date line and who signs for it. These are data of the unit (the
  roster's heading columns); what the roster leaves empty takes the default of the unit's level, written
  from its name ("UBND phường Lê Chân" → "ỦY BAN NHÂN DÂN / PHƯỜNG LÊ CHÂN", place "Lê Chân", signed
  "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH").

The body above a unit is the body it belongs to, not the roster's parent: a commune's own form has
nothing above "ỦY BAN NHÂN DÂN", never the Sở; a school under a commune prints the commune; a Phòng GD&ĐT
prints its district's People's Committee; the Sở prints the province's (the campaign's "issuer parent").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from hsdt.scoring import fold_text
from hsdt.storage.models import Campaign
from hsdt.texts import headings as h
from hsdt.texts import report as m


@dataclass(frozen=True)
class HeadingFacts:
    """A unit's heading as the roster gives it; None: the level's default."""

    official_name: str | None = None
    short_name: str | None = None
    parent_body: str | None = None
    place_name: str | None = None
    signer_authority: str | None = None
    signer_title: str | None = None


@dataclass(frozen=True)
class Signer:
    """A signature block: the authority lines ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), the title, and the
    signer's name under the space left for the signature and the seal, when known."""

    title: str
    authority: tuple[str, ...] = ()
    name: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        return (*self.authority, self.title)


@dataclass(frozen=True)
class Issuer:
    """The issuing body of one form."""

    parent: str  # the body it belongs to, in capitals ("" when none: a People's Committee)
    name: tuple[str, ...]  # its full official name in capitals, one or two lines
    short: str  # how the forms of the units under it name it on their line above
    place: str  # địa danh, for the date line
    signer: Signer
    area: str  # the locality it answers for, in a sentence ("phường Lê Chân"), or its name

    def date_line(self, day: date) -> str:
        return date_line(self.place, day)


@dataclass(frozen=True)
class FormHeading:
    notice_number: str  # e.g. "…/TB-SGDĐT-MN" while the number is not known
    notice_date: date | None  # None: printed as dots for the clerk to fill in
    notice_issuer: str  # the Sở as a sentence names it: "Sở Giáo dục và Đào tạo Hải Phòng"
    place: str  # the campaign's place (the Sở's date line)
    school_year: str  # "2024-2025"
    campaign_name: str
    area: str = h.AREA_ANY  # "thành phố" or "tỉnh": the whole of what the Sở answers for
    issuer_parent: str = ""  # the body above the Sở, in capitals
    issuer: str = ""  # the Sở, as the campaign names it

    def notice_ref(self) -> str:
        when = self.notice_date.strftime("%d/%m/%Y") if self.notice_date is not None else m.DATE_UNKNOWN
        return m.NOTICE_REF.format(number=self.notice_number, date=when, issuer=self.notice_issuer)

    def local_day(self, moment: datetime, tz: str) -> date:
        return moment.astimezone(ZoneInfo(tz)).date()


def date_line(place: str, day: date) -> str:
    """"Hải Phòng, ngày 05 tháng 01 năm 2025": a day under 10 and a month under 3 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return m.DATE_LINE.format(place=place, day=f"{day.day:02d}", month=month, year=day.year)


def school_year(start: date) -> str:
    """A school year starts in August or September: 2024-2025 for records from 09/2024."""
    first = start.year if start.month >= 8 else start.year - 1
    return f"{first}-{first + 1}"


def heading_for(campaign: Campaign) -> FormHeading:
    """The campaign's part of every form's heading. The notice's number is printed as dots for the clerk
    while the campaign does not hold it yet."""
    issuer = campaign.issuer or m.DEFAULT_ISSUER
    parent = campaign.issuer_parent or m.DEFAULT_ISSUER_PARENT
    return FormHeading(
        notice_number=campaign.notice_no or m.DEFAULT_NOTICE_NUMBER,
        notice_date=campaign.notice_date,
        notice_issuer=in_sentence(issuer),
        place=campaign.place or m.DEFAULT_PLACE,
        school_year=campaign.school_year or school_year(campaign.record_start),
        campaign_name=campaign.name,
        area=province_area(parent),
        issuer_parent=parent.upper(),
        issuer=issuer,
    )


def province_area(parent: str) -> str:
    """"thành phố" for "UBND THÀNH PHỐ HẢI PHÒNG", "tỉnh" for "UBND TỈNH …"."""
    folded = fold_text(parent)
    if re.search(r"\bthanh pho\b", folded):
        return h.AREA_CITY
    if re.search(r"\btinh\b", folded):
        return h.AREA_PROVINCE
    return h.AREA_ANY


# --- bodies, from the roster's name -------------------------------------------------------------------


class Body(StrEnum):
    COMMITTEE = "committee"  # UBND xã/phường/đặc khu (or quận/huyện)
    OFFICE = "office"  # Phòng GD&ĐT
    DEPARTMENT = "department"  # Sở GD&ĐT
    SCHOOL = "school"
    OTHER = "other"


def body_of(name: str, kind: str) -> tuple[Body, str]:
    """What kind of body a roster name is, and its locality ("phường Lê Chân", "Hải Phòng")."""
    text = " ".join(unicodedata.normalize("NFC", name).split())
    for body, prefixes in ((Body.COMMITTEE, h.COMMITTEE_PREFIXES), (Body.OFFICE, h.OFFICE_PREFIXES),
                           (Body.DEPARTMENT, h.DEPARTMENT_PREFIXES)):
        rest = _after_prefix(text, prefixes)
        if rest is not None:
            return body, rest
    return (Body.SCHOOL if kind == "school" else Body.OTHER), text


def _after_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    folded = fold_text(text)
    for prefix in prefixes:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            # fold_text keeps one character per character, so the cut is at the same place.
            return text[len(prefix):].strip()
    return None


def place_of(locality: str) -> str:
    """The place name of a locality's date line: "phường Lê Chân" → "Lê Chân"; a place named by a
    number keeps its level ("Phường 1")."""
    for level in h.LOCALITY_LEVELS:
        if fold_text(locality).startswith(fold_text(level) + " "):
            rest = locality[len(level):].strip()
            return f"{level[:1].upper()}{level[1:]} {rest}" if rest[:1].isdigit() else rest
    return locality


def spelled_out(name: str) -> str:
    """The roster's name with its abbreviations written in full ("Trường MN Hoa Sen" → "Trường Mầm non Hoa Sen")."""
    for short, full in h.ABBREVIATIONS:
        name = re.sub(rf"(?<![\w&]){re.escape(short)}(?![\w&])", full, name)
    return name


def in_sentence(name: str) -> str:
    """A body named in capitals, as a sentence writes it: "SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG" → "Sở Giáo dục
    và Đào tạo Hải Phòng". A name not all in capitals is kept as written."""
    if name != name.upper():
        return name
    words = name.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase in h.PHRASES_IN_SENTENCES:
            size = len(phrase.split())
            if [w.upper() for w in words[i:i + size]] == phrase.upper().split():
                out.append(phrase)
                i += size
                break
        else:
            word = words[i]
            out.append(word if any(ch.isdigit() for ch in word) or "&" in word else word[:1] + word[1:].lower())
            i += 1
    return " ".join(out)


@dataclass
class Issuers:
    """Every unit's `Issuer`, computed once per unit from its facts and its parent's."""

    heading: FormHeading
    facts: Callable[[int], tuple[str, str, int | None, HeadingFacts] | None]  # id -> (name, kind, parent, facts)
    _cache: dict[int, Issuer] = field(default_factory=dict)

    def of(self, unit_id: int | None) -> Issuer | None:
        if unit_id is None:
            return None
        found = self._cache.get(unit_id)
        if found is None:
            row = self.facts(unit_id)
            if row is None:
                return None
            name, kind, parent_id, facts = row
            # A roster cycle would recurse forever: the parent is looked up only for a unit not yet seen.
            self._cache[unit_id] = _PENDING
            parent = self.of(parent_id) if parent_id != unit_id else None
            found = self._cache[unit_id] = issuer(name, kind, facts, parent if parent is not _PENDING else None,
                                                  self.heading)
        return found if found is not _PENDING else None


def issuer(name: str, kind: str, facts: HeadingFacts, parent: Issuer | None, heading: FormHeading) -> Issuer:
    """A unit's issuing body: what the roster says, else its level's default."""
    default = _default(name, kind, parent, heading)
    lines = tuple(line.strip().upper() for line in facts.official_name.splitlines() if line.strip()) \
        if facts.official_name else default.name
    # The level's authority lines go with its signer: a roster that names its own signer gives its own
    # authority too (none, where it gives none: a head who signs in their own name).
    if facts.signer_authority is not None:
        authority = tuple(line.strip() for line in facts.signer_authority.splitlines() if line.strip())
    elif facts.signer_title:
        authority = ()
    else:
        authority = default.signer.authority
    return Issuer(
        parent=(facts.parent_body.strip().upper() if facts.parent_body is not None else default.parent),
        name=lines or default.name,
        short=(facts.short_name.strip().upper() if facts.short_name else default.short),
        place=(facts.place_name.strip() if facts.place_name else default.place),
        signer=Signer((facts.signer_title.strip().upper() if facts.signer_title else default.signer.title),
                      tuple(a.upper() for a in authority)),
        area=default.area,
    )


def _default(name: str, kind: str, parent: Issuer | None, heading: FormHeading) -> Issuer:
    body, locality = body_of(name, kind)
    above_short = parent.short if parent is not None else ""
    above_place = parent.place if parent is not None else heading.place
    match body:
        case Body.COMMITTEE:
            return Issuer("", (h.COMMITTEE.upper(), spelled_out(locality).upper()),
                          f"{h.COMMITTEE_SHORT} {locality}".upper(), place_of(locality),
                          Signer(h.COMMITTEE_SIGNER, h.COMMITTEE_AUTHORITY), locality)
        case Body.OFFICE:
            return Issuer(f"{h.COMMITTEE_SHORT} {locality}".upper(), (h.EDUCATION_OFFICE.upper(),),
                          f"{h.EDUCATION_OFFICE_SHORT} {locality}".upper(), place_of(locality),
                          Signer(h.OFFICE_SIGNER), locality)
        case Body.DEPARTMENT:
            return Issuer(heading.issuer_parent, (h.DEPARTMENT.upper(),),
                          f"{h.DEPARTMENT_SHORT} {locality}".upper(), heading.place or place_of(locality),
                          Signer(h.DEPARTMENT_SIGNER), locality)
        case Body.SCHOOL:
            full = spelled_out(name)
            return Issuer(above_short, (full.upper(),), full.upper(), above_place, Signer(h.SCHOOL_SIGNER), full)
    full = spelled_out(name)
    return Issuer(above_short, (full.upper(),), full.upper(), above_place, Signer(h.UNKNOWN_SIGNER), full)


_PENDING = Issuer("", (), "", "", Signer(""), "")
