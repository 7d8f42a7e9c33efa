"""What each level of the unit hierarchy is called, and the named structures a Sở can start from.

Level keys are the stored unit kinds ("so", "district", "school"); a structure without a managing
level has schools directly under the Sở. Every message and workbook header that names a level takes
the name from a `Levels` value (see `hsdt.storage.repositories.LevelRepository.of_campaign`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

DEPARTMENT = "so"
MANAGING = "district"
SCHOOL = "school"


@dataclass(frozen=True)
class LevelName:
    """One level as people write it: "UBND xã/phường/đặc khu", "các xã/phường/đặc khu", "xã/phường"."""

    singular: str
    plural: str
    short: str
    staff: str  # the role of the level's own staff, e.g. "Cán bộ Phòng Văn hóa – Xã hội"


@dataclass(frozen=True)
class Levels:
    """The levels of one campaign, top down. `names` maps a unit kind to its name."""

    names: dict[str, LevelName] = field(default_factory=dict)

    def of(self, kind: str) -> LevelName:
        found = self.names.get(kind)
        return found if found is not None else GENERIC.names[kind]

    def has(self, kind: str) -> bool:
        return kind in self.names

    @property
    def has_managing(self) -> bool:
        return MANAGING in self.names

    @property
    def department(self) -> LevelName:
        return self.of(DEPARTMENT)

    @property
    def managing(self) -> LevelName:
        """The level that re-scores its schools: the commune, the district office, or the Sở itself."""
        return self.of(MANAGING) if self.has_managing else self.of(DEPARTMENT)

    @property
    def rates_management(self) -> bool:
        """The managing level is an education office (Phòng GD&ĐT, until 06/2025), whose "công tác quản lý,
        chỉ đạo" the notice rates by its schools' mean. A People's Committee (since 07/2025) or the Sở
        itself is not rated by the Sở: the mean is "kết quả chung của các trường trên địa bàn"."""
        return self.has_managing and self.managing.singular.startswith(OFFICE_PREFIXES)

    @property
    def school(self) -> LevelName:
        return self.of(SCHOOL)

    def kinds(self) -> list[str]:
        return [kind for kind in (DEPARTMENT, MANAGING, SCHOOL) if kind in self.names]


COMMUNE_STAFF = "Cán bộ Phòng Văn hóa – Xã hội"
# How an education office's level name starts (the pre-2025 structure, or a Sở that names it so).
OFFICE_PREFIXES = ("Phòng GD&ĐT", "Phòng Giáo dục")
# What the commune's staff were called before; a stored campaign's level names are updated (migration 0018).
OLD_COMMUNE_STAFF = "Cán bộ quản lý cấp xã"
_SO = LevelName("Sở GD&ĐT", "Sở GD&ĐT", "Sở", "Cán bộ Sở GD&ĐT")
_SCHOOL = LevelName("Trường mầm non", "các trường mầm non", "trường", "Hiệu trưởng/Phó hiệu trưởng")


class Structure(StrEnum):
    """The named structures; `campaign new --structure` takes one of these values."""

    COMMUNE = "xa-phuong"  # since 01/07/2025: Sở -> UBND xã/phường/đặc khu -> trường
    DISTRICT = "quan-huyen"  # until 06/2025: Sở -> Phòng GD&ĐT quận/huyện -> trường
    DIRECT = "truc-thuoc-so"  # schools directly under the Sở


STRUCTURES: dict[Structure, Levels] = {
    Structure.COMMUNE: Levels({
        DEPARTMENT: _SO,
        # "CBQL" (cán bộ quản lý) means a school's managers here: the commune's staff who follow
        # education work in its Phòng Văn hóa – Xã hội.
        MANAGING: LevelName("UBND xã/phường/đặc khu", "các xã/phường/đặc khu", "xã/phường",
                            COMMUNE_STAFF),
        SCHOOL: _SCHOOL,
    }),
    Structure.DISTRICT: Levels({
        DEPARTMENT: _SO,
        MANAGING: LevelName("Phòng GD&ĐT quận/huyện", "các Phòng GD&ĐT quận/huyện", "quận/huyện",
                            "Cán bộ Phòng GD&ĐT"),
        SCHOOL: _SCHOOL,
    }),
    Structure.DIRECT: Levels({DEPARTMENT: _SO, SCHOOL: _SCHOOL}),
}
STRUCTURE_LABELS = {
    Structure.COMMUNE: "Sở GD&ĐT → UBND xã/phường/đặc khu → trường mầm non (từ 01/07/2025)",
    Structure.DISTRICT: "Sở GD&ĐT → Phòng GD&ĐT quận/huyện → trường mầm non (trước 07/2025)",
    Structure.DIRECT: "Sở GD&ĐT → trường mầm non (trường trực thuộc Sở)",
}

# Used where no campaign says otherwise: names that are true in every structure.
GENERIC = Levels({
    DEPARTMENT: _SO,
    MANAGING: LevelName("Đơn vị quản lý", "các đơn vị quản lý", "đơn vị quản lý", "Cán bộ đơn vị quản lý"),
    SCHOOL: _SCHOOL,
})

CLUSTER = "Cụm"
CLUSTER_PLURAL = "các cụm"
