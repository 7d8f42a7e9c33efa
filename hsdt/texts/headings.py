"""The words of an official form's heading and signature block (Nghị định 30/2020/NĐ-CP, Phụ lục I), and
the defaults of each level, from which `hsdt.reports.heading` writes a unit's heading when the roster
gives none: the body above, the unit's full name in capitals, its place name (địa danh) and who signs.
"""

from __future__ import annotations

# --- Recognising a body from its name in the roster (compared without accents or case) ------------
# The prefix of a People's Committee ("UBND phường Lê Chân"), an education office ("Phòng GD&ĐT quận
# Hồng Bàng") and a Department ("Sở GD&ĐT Hải Phòng"); what follows the prefix is the locality.
COMMITTEE_PREFIXES = ("ubnd", "uy ban nhan dan")
OFFICE_PREFIXES = ("phong gd&dt", "phong gddt", "phong gd-dt", "phong giao duc va dao tao", "phong giao duc")
DEPARTMENT_PREFIXES = ("so gd&dt", "so gddt", "so gd-dt", "so giao duc va dao tao")
# Administrative levels, as they open a locality ("phường Lê Chân"), longest first.
LOCALITY_LEVELS = ("đặc khu", "thị trấn", "thị xã", "thành phố", "phường", "xã", "quận", "huyện", "tỉnh")

# --- Full names (NĐ 30: names in full; only the line above may abbreviate) --------------------------
COMMITTEE = "Ủy ban nhân dân"
COMMITTEE_SHORT = "UBND"
EDUCATION_OFFICE = "Phòng Giáo dục và Đào tạo"
EDUCATION_OFFICE_SHORT = "Phòng GD&ĐT"
DEPARTMENT = "Sở Giáo dục và Đào tạo"
DEPARTMENT_SHORT = "Sở GD&ĐT"
# Abbreviations a roster name may carry, spelled out in the unit's own name line.
ABBREVIATIONS = (
    ("UBND", "Ủy ban nhân dân"),
    ("GD&ĐT", "Giáo dục và Đào tạo"),
    ("GDĐT", "Giáo dục và Đào tạo"),
    ("MN", "Mầm non"),
    ("MG", "Mẫu giáo"),
)

# --- Who signs, by level (the roster's "Thẩm quyền ký" and "Chức vụ người ký" replace these) ---------
# A People's Committee signs collectively ("thay mặt"), usually by the vice-chair who follows education.
COMMITTEE_AUTHORITY = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")
COMMITTEE_SIGNER = "PHÓ CHỦ TỊCH"
OFFICE_SIGNER = "TRƯỞNG PHÒNG"
DEPARTMENT_SIGNER = "GIÁM ĐỐC"
SCHOOL_SIGNER = "HIỆU TRƯỞNG"
# A body the system does not recognise by its name: the roster should say who signs.
UNKNOWN_SIGNER = "THỦ TRƯỞNG ĐƠN VỊ"

# --- The province: "thành phố" (Hải Phòng) or "tỉnh", from the body above the Sở ---------------------
AREA_CITY = "thành phố"
AREA_PROVINCE = "tỉnh"
AREA_ANY = "tỉnh/thành phố"

# --- Writing a body's name in a sentence ("… của Sở Giáo dục và Đào tạo Hải Phòng") -----------------
# Capitalised names become sentence case: these phrases as written, the rest (place names) with each
# syllable capitalised.
PHRASES_IN_SENTENCES = (
    "Sở Giáo dục và Đào tạo", "Phòng Giáo dục và Đào tạo", "Ủy ban nhân dân", "Sở GD&ĐT", "Phòng GD&ĐT", "UBND",
    "thành phố", "tỉnh", "đặc khu", "thị trấn", "thị xã", "phường", "xã", "quận", "huyện",
)
