"""How the reports name the mean of a managing unit's schools, by what the managing level is.

The notice rates an education office's "công tác quản lý, chỉ đạo" by the mean of its schools. Since
07/2025 the schools are under People's Committees, which the Sở does not rate: there the same mean is
"kết quả chung của các trường trên địa bàn"; with schools directly under the Sở it is the result of the
schools "trực thuộc Sở". One place decides, for the chat, the chart, the forms and the web page.
"""

from __future__ import annotations

from hsdt.texts import report as m
from hsdt.texts.levels import Levels


def means_title(levels: Levels) -> str:
    if levels.rates_management:
        return m.MEANS_TITLE.format(level=levels.managing.short)
    if levels.has_managing:
        return m.MEANS_TITLE_AREA.format(level=levels.managing.short)
    return m.MEANS_TITLE_DIRECT


def chart_caption(levels: Levels) -> str:
    if levels.rates_management:
        return m.CHART_CAPTION.format(level=levels.managing.short)
    if levels.has_managing:
        return m.CHART_CAPTION_AREA.format(level=levels.managing.short)
    return m.CHART_CAPTION_DIRECT


def mean_meaning(levels: Levels) -> str:
    """What a unit's mean is, opening the sentence that says how it is made."""
    if levels.rates_management:
        return m.MEAN_MEANING
    if levels.has_managing:
        return m.MEAN_MEANING_AREA.format(level=levels.managing.short)
    return m.MEAN_MEANING_DIRECT


def management_row(levels: Levels, unit: str, area: str, note: str, rule: str) -> str:
    """The last row of Phụ lục 2: the unit's mean, with how many schools it rests on and its rule."""
    if levels.rates_management:
        return m.MANAGEMENT_ROW.format(unit=unit, note=note, rule=rule)
    if levels.has_managing:
        return m.MANAGEMENT_ROW_AREA.format(unit=area, note=note, rule=rule)
    return m.MANAGEMENT_ROW_DIRECT.format(unit=unit, note=note, rule=rule)
