"""Buttons of /report (prefix "rp"): the summary, its drill-down to a district or a school, and the
files (workbook, PDFs, a school's Phụ lục 1) of the scope on screen."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import Action, ActionSet

PREFIX = "rp"


@dataclass(frozen=True)
class Open(Action):
    prefix = PREFIX
    code = "open"


@dataclass(frozen=True)
class City(Action):
    """Back from a district to the whole city."""

    prefix = PREFIX
    code = "c"


@dataclass(frozen=True)
class Workbook(Action):
    prefix = PREFIX
    code = "x"


@dataclass(frozen=True)
class Pdfs(Action):
    prefix = PREFIX
    code = "p"


@dataclass(frozen=True)
class School(Action):
    prefix = PREFIX
    code = "s"
    school: int


@dataclass(frozen=True)
class Form1(Action):
    """A submitted school's Phụ lục 1 as a workbook (`Form1Pdf`: as a PDF)."""

    prefix = PREFIX
    code = "f"
    school: int


@dataclass(frozen=True)
class Form1Pdf(Action):
    prefix = PREFIX
    code = "fp"
    school: int


@dataclass(frozen=True)
class District(Action):
    prefix = PREFIX
    code = "d"
    district: int


@dataclass(frozen=True)
class DistrictWorkbook(Action):
    prefix = PREFIX
    code = "xd"
    district: int


@dataclass(frozen=True)
class DistrictPdfs(Action):
    prefix = PREFIX
    code = "pd"
    district: int


ACTIONS = ActionSet(PREFIX, Open, City, Workbook, Pdfs, School, Form1, Form1Pdf, District, DistrictWorkbook,
                    DistrictPdfs)
