"""What a rubric file means beyond the shape of each value, and the :class:`~hsdt.scoring.rubric.Rubric`
it becomes: duplicate ids, points that must add up, band order, rounding steps, "Không áp dụng"
options and the cross-criterion rules. Every problem is one Vietnamese line, all reported at once.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from hsdt.scoring.rubric import (
    DEFAULT_DOCUMENT_LABELS,
    DEFAULT_ISSUED_LABEL,
    DEFAULT_ROUNDING,
    DEFAULT_USED_LABEL,
    PROPORTIONAL_TYPES,
    AnswerType,
    Band,
    Criterion,
    DocumentLabels,
    EvidencePeriod,
    EvidencePoints,
    Group,
    NoneIssued,
    Option,
    Rounding,
    RoundingMode,
    Rubric,
    RubricError,
    RubricProblem,
    SubsetRule,
    reason,
)
from hsdt.scoring.rubric_schema import (
    TYPE_OF,
    BandFile,
    ChoiceFile,
    CountPairFile,
    CriterionFileBase,
    DocumentShareFile,
    EvidenceFile,
    GroupFile,
    OptionFile,
    RubricFile,
    SubsetRuleFile,
    load_yaml,
    num,
    rubric_model,
)
from hsdt.scoring.textnorm import fold_text

__all__ = ["parse_rubric"]


def parse_rubric(text: str, source: str) -> Rubric:
    """Parse and validate rubric YAML text; raises :class:`RubricError` with every problem found."""
    model = rubric_model(load_yaml(text, source), source)
    checker = _Meaning(source)
    rubric = checker.rubric(model, hashlib.sha256(text.encode("utf-8")).hexdigest())
    if checker.problems:
        raise RubricError(checker.problems)
    return rubric


class _Meaning:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[RubricProblem] = []

    def add(self, code: str, *, field: str | None = None, **where_and_params: Any) -> None:
        where = {k: where_and_params.pop(k) for k in ("group_id", "criterion_id") if k in where_and_params}
        self.problems.append(RubricProblem(self.source, reason(code, **where_and_params), field=field, **where))

    def rubric(self, model: RubricFile, sha: str) -> Rubric:
        rounding = DEFAULT_ROUNDING
        if model.rounding is not None:
            rounding = Rounding(model.rounding.step, RoundingMode(model.rounding.mode))
            if model.rounding.step <= 0:
                self.add("number_positive", field="rounding.step")
                rounding = DEFAULT_ROUNDING
        if model.max_points <= 0:
            self.add("number_positive", field="max_points")
        bands = self.bands(model.bands, model.max_points)
        option_sets = model.option_sets or {}
        for name, items in option_sets.items():
            self.check_options(items, f"option_sets.{name}", {}, uses_points_each=True)

        groups: list[Group] = []
        group_ids: set[str] = set()
        criterion_ids: set[str] = set()
        for graw in model.groups:
            if graw.id in group_ids:
                self.add("duplicate_group", field="id", group_id=graw.id, id=graw.id)
            group_ids.add(graw.id)
            criteria: list[Criterion] = []
            for craw in graw.criteria:
                if craw.id in criterion_ids:
                    self.add("duplicate_criterion", field="id", criterion_id=craw.id, id=craw.id)
                criterion_ids.add(craw.id)
                criteria.append(self.criterion(craw, graw, option_sets, rounding))
            groups.append(Group(id=graw.id, title=graw.title, criteria=tuple(criteria)))

        total = sum((Decimal(str(c.max_points)) for g in groups for c in g.criteria), Decimal(0))
        if total != model.max_points:
            self.add("total_mismatch", field="max_points", declared=num(model.max_points), actual=num(total))
        by_id = {c.id: c for g in groups for c in g.criteria}
        rules = tuple(self.rule(i, r, by_id) for i, r in enumerate(model.rules or ()))
        return Rubric(
            name=model.name,
            version=model.version,
            max_points=float(model.max_points),
            groups=tuple(groups),
            bands=bands,
            sha256=sha,
            source=self.source,
            rounding=rounding,
            rules=rules,
            assumptions=tuple(model.assumptions or ()),
        )

    def bands(self, items: list[BandFile], max_points: Decimal) -> tuple[Band, ...]:
        bands: list[Band] = []
        ids: set[str] = set()
        previous: Decimal | None = None
        for i, item in enumerate(items):
            fld = f"bands[{i}]"
            if item.id in ids:
                self.add("duplicate_band", field=f"{fld}.id", id=item.id)
            ids.add(item.id)
            if item.min > max_points:
                self.add("band_above_max", field=f"{fld}.min", value=num(item.min), max=num(max_points))
            if previous is not None and item.min >= previous:
                self.add("band_order", field=f"{fld}.min", value=num(item.min), previous=num(previous))
            previous = item.min
            bands.append(Band(id=item.id, label=item.label, min_points=float(item.min)))
        if previous != 0:
            self.add("band_zero", field="bands")
        return tuple(bands)

    def check_options(
        self, items: list[OptionFile], prefix: str, where: dict[str, str], *, uses_points_each: bool
    ) -> None:
        ids: set[str] = set()
        labels: set[str] = set()
        for i, item in enumerate(items):
            fld = f"{prefix}[{i}]"
            if item.id in ids:
                self.add("duplicate_option", field=f"{fld}.id", id=item.id, **where)
            ids.add(item.id)
            folded = fold_text(item.label)
            if folded in labels:
                self.add("duplicate_option_label", field=f"{fld}.label", label=item.label, **where)
            labels.add(folded)
            if item.not_applicable and item.points is not None:
                self.add("na_option_points", field=f"{fld}.points", **where)
            elif not item.not_applicable and item.points is None and not uses_points_each:
                self.add("option_points_required", field=f"{fld}.points", **where)

    def criterion(
        self, raw: CriterionFileBase, group: GroupFile, option_sets: dict[str, list[OptionFile]], rounding: Rounding
    ) -> Criterion:
        where = {"criterion_id": raw.id}
        ctype = TYPE_OF[type(raw)]
        if ctype is AnswerType.TEXT:
            if raw.max_points != 0:
                self.add("text_points", field="max_points", **where)
        elif raw.max_points <= 0:
            self.add("number_positive", field="max_points", **where)
        if ctype in PROPORTIONAL_TYPES and raw.max_points > 0 and raw.max_points % rounding.step != 0:
            self.add("not_step_multiple", field="max_points", step=num(rounding.step), **where)

        options: tuple[Option, ...] = ()
        issued_label = used_label = None
        evidence_points = None
        none_issued = NoneIssued.ZERO
        evidence_period = EvidencePeriod.NOT_CHECKED
        document_labels = None
        if isinstance(raw, ChoiceFile):
            options = self.criterion_options(raw, ctype, where, option_sets)
        elif isinstance(raw, CountPairFile):
            labels = raw.labels
            issued_label = labels.issued if labels is not None else DEFAULT_ISSUED_LABEL
            used_label = labels.used if labels is not None else DEFAULT_USED_LABEL
            none_issued = NoneIssued(raw.when_none_issued)
        elif isinstance(raw, EvidenceFile):
            evidence_period = EvidencePeriod(raw.signed_in_period)
            evidence_points = self.evidence_points(raw, where)
        elif isinstance(raw, DocumentShareFile):
            named = raw.labels
            document_labels = (DocumentLabels(named.stored, named.paper_only, named.signed) if named is not None
                               else DEFAULT_DOCUMENT_LABELS)

        return Criterion(
            id=raw.id,
            group_id=group.id,
            group_title=group.title,
            title=raw.title,
            question=raw.question,
            type=ctype,
            max_points=float(raw.max_points),
            required=raw.required if raw.required is not None else ctype is not AnswerType.TEXT,
            evidence=raw.evidence,
            options=options,
            issued_label=issued_label,
            used_label=used_label,
            evidence_points=evidence_points,
            rounding=rounding,
            none_issued=none_issued,
            evidence_period=evidence_period,
            document_labels=document_labels,
        )

    def criterion_options(
        self, raw: ChoiceFile, ctype: AnswerType, where: dict[str, str], option_sets: dict[str, list[OptionFile]]
    ) -> tuple[Option, ...]:
        if raw.options is not None and raw.option_set is not None:
            self.add("options_and_set", field="options", **where)
            return ()
        if raw.option_set is not None:
            if raw.option_set not in option_sets:
                known = ", ".join(sorted(option_sets)) or "—"
                self.add("unknown_option_set", field="option_set", value=raw.option_set, known=known, **where)
                return ()
            items = option_sets[raw.option_set]
            # The set's entries were checked once on their own; only points can differ per use.
            if raw.points_each is None:
                self.check_points_only(items, f"option_set {raw.option_set}", where)
        elif raw.options is not None:
            items = raw.options
            self.check_options(items, "options", where, uses_points_each=raw.points_each is not None)
        else:
            self.add("options_required", field="options", type=ctype.value, **where)
            return ()
        options = tuple(
            Option(
                id=o.id,
                label=o.label,
                points=0.0 if o.not_applicable else float(_option_points(o, raw.points_each)),
                not_applicable=o.not_applicable,
            )
            for o in items
        )
        scored = [Decimal(str(o.points)) for o in options if not o.not_applicable]
        if any(o.not_applicable for o in options) and ctype is not AnswerType.SINGLE_CHOICE:
            self.add("na_option_single_only", field="options", **where)
        if not scored:
            self.add("na_option_only", field="options", **where)
            return options
        if ctype is AnswerType.SINGLE_CHOICE and max(scored) != raw.max_points:
            self.add("single_max", field="max_points", expected=num(max(scored)), actual=num(raw.max_points), **where)
        if ctype is AnswerType.MULTI_CHOICE and sum(scored, Decimal(0)) != raw.max_points:
            self.add(
                "multi_max", field="max_points", expected=num(sum(scored, Decimal(0))), actual=num(raw.max_points),
                **where,
            )
        return options

    def check_points_only(self, items: list[OptionFile], prefix: str, where: dict[str, str]) -> None:
        for i, item in enumerate(items):
            if not item.not_applicable and item.points is None:
                self.add("option_points_required", field=f"{prefix}[{i}].points", **where)

    def evidence_points(self, raw: EvidenceFile, where: dict[str, str]) -> EvidencePoints | None:
        ep = raw.evidence_points
        if ep is None:
            self.add("evidence_points_required", field="evidence_points", **where)
            return None
        if not ep.all_valid >= ep.some_valid >= ep.none:
            self.add(
                "evidence_order", field="evidence_points", all_valid=num(ep.all_valid),
                some_valid=num(ep.some_valid), none=num(ep.none), **where,
            )
        if ep.all_valid != raw.max_points:
            self.add(
                "evidence_all_max", field="evidence_points.all_valid", expected=num(raw.max_points),
                actual=num(ep.all_valid), **where,
            )
        return EvidencePoints(float(ep.all_valid), float(ep.some_valid), float(ep.none))

    def rule(self, index: int, raw: SubsetRuleFile, by_id: dict[str, Criterion]) -> SubsetRule:
        prefix = f"rules[{index}]"
        pair = ((raw.criterion, "criterion"), (raw.of, "of"))
        known = True
        for cid, key in pair:
            if cid not in by_id:
                self.add("rule_unknown_criterion", field=f"{prefix}.{key}", id=cid)
                known = False
        if not known:
            return SubsetRule(raw.criterion, raw.of)
        if raw.criterion == raw.of:
            self.add("rule_same", field=f"{prefix}.of")
        for cid, key in pair:
            if by_id[cid].type is not AnswerType.MULTI_CHOICE:
                self.add("rule_not_multi", field=f"{prefix}.{key}", id=cid, type=by_id[cid].type.value)
                return SubsetRule(raw.criterion, raw.of)
        of_ids = {o.id for o in by_id[raw.of].options}
        for option in by_id[raw.criterion].options:
            if option.id not in of_ids:
                self.add(
                    "rule_options", field=f"{prefix}.criterion", criterion=raw.criterion, other=raw.of,
                    option=option.label,
                )
        return SubsetRule(raw.criterion, raw.of)


def _option_points(option: OptionFile, points_each: Decimal | None) -> Decimal:
    if points_each is not None:
        return points_each
    return option.points if option.points is not None else Decimal(0)


