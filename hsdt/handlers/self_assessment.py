"""The principal's self-assessment: one question at a time, back/skip/jump, review, submit.

State (`ctx.data`): `cid` current criterion, `mode` q|list|review|confirm, `sel` the multi-choice
selection being built, `ret` whether answering returns to the review screen.
"""

from __future__ import annotations

from typing import Any

from hsdt import texts as messages
from hsdt.events import Button, Reply, rows
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.handlers.questionnaire import Navigation, nav_buttons, replace, short, storable, store_evidence
from hsdt.handlers.signature_check import verdict_reply
from hsdt.scoring import (
    AnswerType,
    Criterion,
    InvalidAnswer,
    SchoolScore,
    flags,
    format_points,
    parse_text_answer,
    score_criterion,
    score_school,
    validate_value,
)
from hsdt.storage.models import Answer, Role

FLOW = "sa"
KIND = "self"
_SUMMARY_LIMIT = 80


# --- entry points ------------------------------------------------------------------------------


def open_(ctx: Ctx) -> list[Reply]:
    if (problem := _precondition(ctx)) is not None:
        return problem
    if (done := _submitted_reply(ctx)) is not None:
        ctx.goto("idle")
        return done
    rubric = ctx.rubric
    assert rubric is not None
    if ctx.flow == FLOW and ctx.data.get("cid") in _ids(ctx):
        mode = ctx.data.get("mode", "q")
        intro = Reply(messages.SA_RESUME.format(school=ctx.unit.name))
        if mode == "q":
            _enter(ctx, ctx.data["cid"], ret=bool(ctx.data.get("ret")))
        return [intro, *current_screen(ctx)]
    resume = ctx.data.get("resume") or {}
    resume_cid = (resume.get("data") or {}).get("cid") if resume.get("flow") == FLOW else None
    if resume_cid in _ids(ctx):
        _enter(ctx, resume_cid)
        return [Reply(messages.SA_RESUME.format(school=ctx.unit.name)), _question(ctx)]
    answers = _answers(ctx)
    first = next((c.id for c in rubric.criteria if c.id not in answers), rubric.criteria[0].id)
    _enter(ctx, first)
    return [_question(ctx)]


def on_text(ctx: Ctx) -> list[Reply]:
    if (problem := _precondition(ctx)) is not None:
        return problem
    if ctx.data.get("mode") != "q":
        return [Reply(messages.UNEXPECTED_INPUT), *current_screen(ctx)]
    criterion = _current(ctx)
    if criterion.type is AnswerType.EVIDENCE:
        return [Reply(messages.SA_EVIDENCE_NEEDS_FILE), _question(ctx)]
    try:
        value = parse_text_answer(criterion, ctx.event.text)
    except InvalidAnswer as error:
        return [_invalid(criterion, error, ctx.event.text), _question(ctx)]
    return _save_and_advance(ctx, criterion, value)


def on_button(ctx: Ctx) -> list[Reply]:
    if (problem := _precondition(ctx)) is not None:
        return problem
    parts = ctx.event.payload.split(":")
    action = parts[1] if len(parts) > 1 else ""
    handler = _BUTTONS.get(action)
    if handler is None:
        return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]
    if ctx.flow != FLOW and action not in ("open",):
        # A button from an old screen after /huy or a restart of the flow: resume where they are.
        return open_(ctx)
    return handler(ctx, parts[2:])


def on_document(ctx: Ctx) -> list[Reply]:
    assert ctx.checked is not None
    if ctx.event.payload:
        return _on_addressed_document(ctx)
    criterion = _current(ctx) if ctx.data.get("mode") == "q" and ctx.data.get("cid") else None
    if criterion is None or criterion.type is not AnswerType.EVIDENCE:
        return [verdict_reply(ctx.checked), Reply(messages.CHECK_WHILE_ASSESSING)]
    if (problem := _precondition(ctx)) is not None:
        return problem
    return _store_evidence(ctx, criterion)


def _on_addressed_document(ctx: Ctx) -> list[Reply]:
    """A file sent for a stated criterion (an upload link): stored there even if the chat moved on."""
    assert ctx.checked is not None
    if (problem := _precondition(ctx)) is not None:
        return problem
    parts = ctx.event.payload.split(":")
    addressed = len(parts) == 4 and parts[1] == "ev" and parts[2] == str(ctx.unit.id) and parts[3] in _ids(ctx)
    criterion = ctx.rubric.criterion(parts[3]) if addressed else None  # type: ignore[union-attr]
    if criterion is None or criterion.type is not AnswerType.EVIDENCE:
        return [verdict_reply(ctx.checked), Reply(messages.CHECK_WHILE_ASSESSING)]
    return _store_evidence(ctx, criterion)


def _store_evidence(ctx: Ctx, criterion: Criterion) -> list[Reply]:
    assert ctx.checked is not None
    if not storable(ctx):
        return [verdict_reply(ctx.checked), _question(ctx)]
    if _locked(ctx):
        return [verdict_reply(ctx.checked), Reply(messages.SA_LOCKED)]
    campaign_id, school_id = _scope(ctx)
    value = store_evidence(ctx, campaign_id=campaign_id, school_id=school_id, kind=KIND, criterion_id=criterion.id)
    _put(ctx, criterion, value)
    summary = messages.SA_EVIDENCE_SO_FAR.format(total=value["total"], valid=value["valid"])
    # The current question (when the chat is on one), so the new count and the buttons show.
    screen = [_question(ctx)] if ctx.flow == FLOW and ctx.data.get("mode") == "q" else []
    return [
        verdict_reply(ctx.checked),
        Reply(messages.SA_EVIDENCE_STORED.format(criterion=criterion.id, summary=summary)),
        *screen,
    ]


def current_screen(ctx: Ctx) -> list[Reply]:
    mode = ctx.data.get("mode", "q")
    if ctx.flow != FLOW or ctx.data.get("cid") not in _ids(ctx):
        return open_(ctx)
    if mode == "review":
        return [_review(ctx)]
    if mode == "confirm":
        return [_confirm(ctx)]
    if mode == "list":
        return [_list(ctx)]
    return [_question(ctx)]


# --- buttons -------------------------------------------------------------------------------------


def _on_choice(ctx: Ctx, args: list[str]) -> list[Reply]:
    if (stale := _stale(ctx, args)) is not None:
        return stale
    criterion = _current(ctx)
    try:
        value = validate_value(criterion, {"option": args[1]} if len(args) > 1 else {})
    except InvalidAnswer as error:
        return [_invalid(criterion, error, ""), _question(ctx)]
    return _save_and_advance(ctx, criterion, value)


def _on_toggle(ctx: Ctx, args: list[str]) -> list[Reply]:
    if (stale := _stale(ctx, args)) is not None:
        return stale
    criterion = _current(ctx)
    option = args[1] if len(args) > 1 else ""
    if option not in {o.id for o in criterion.options}:
        return [Reply(messages.STALE_BUTTON), _question(ctx)]
    selected = set(ctx.data.get("sel", []))
    selected ^= {option}
    ctx.data["sel"] = sorted(selected)
    return [replace(_question(ctx))]


def _on_multi_done(ctx: Ctx, args: list[str]) -> list[Reply]:
    if (stale := _stale(ctx, args)) is not None:
        return stale
    criterion = _current(ctx)
    value = validate_value(criterion, {"options": list(ctx.data.get("sel", []))})
    return _save_and_advance(ctx, criterion, value)


def _on_keep(ctx: Ctx, args: list[str]) -> list[Reply]:
    if (stale := _stale(ctx, args)) is not None:
        return stale
    return _advance(ctx)


def _on_evidence_done(ctx: Ctx, args: list[str]) -> list[Reply]:
    """Done with files. With none sent, that is the school's answer: nothing to show, 0 points."""
    if (stale := _stale(ctx, args)) is not None:
        return stale
    criterion = _current(ctx)
    if criterion.id not in _answers(ctx):
        return _save_and_advance(ctx, criterion, {"valid": 0, "total": 0})
    return _advance(ctx)


def _on_skip(ctx: Ctx, args: list[str]) -> list[Reply]:
    if ctx.data.get("mode") != "q":
        return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]
    return _advance(ctx)


def _on_back(ctx: Ctx, args: list[str]) -> list[Reply]:
    ids = _ids(ctx)
    index = ids.index(ctx.data["cid"])
    if ctx.data.get("mode") != "q":
        _enter(ctx, ctx.data["cid"])
        return [replace(_question(ctx))]
    if index == 0:
        return [Reply(messages.SA_FIRST_QUESTION), _question(ctx)]
    _enter(ctx, ids[index - 1])
    return [replace(_question(ctx))]


def _on_continue(ctx: Ctx, args: list[str]) -> list[Reply]:
    answers = _answers(ctx)
    target = next((cid for cid in _ids(ctx) if cid not in answers), ctx.data["cid"])
    _enter(ctx, target)
    return [replace(_question(ctx))]


def _on_submit(ctx: Ctx, args: list[str]) -> list[Reply]:
    score = _score(ctx)
    if score.missing_required:
        ctx.data["mode"] = "review"
        ids = ", ".join(score.missing_required)
        return [Reply(messages.SA_SUBMIT_BLOCKED.format(count=len(score.missing_required), ids=ids)), _review(ctx)]
    ctx.data["mode"] = "confirm"
    return [replace(_confirm(ctx))]


def _on_confirm(ctx: Ctx, args: list[str]) -> list[Reply]:
    if ctx.data.get("mode") != "confirm":
        return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]
    score = _score(ctx)
    if score.missing_required:
        return _on_submit(ctx, args)
    campaign_id, school_id = _scope(ctx)
    if _locked(ctx):
        ctx.goto("idle")
        return _submitted_reply(ctx) or []
    ctx.uow.submissions.mark_submitted(
        campaign_id, school_id, ctx.user.id, score.total, score.band.label, KIND  # type: ignore[arg-type]
    )
    ctx.goto("idle")
    text = messages.SA_SUBMITTED.format(
        school=ctx.unit.name,
        total=format_points(score.total),
        max=format_points(score.max_points),
        band=score.band.label,
    )
    return [replace(Reply(text))]


def _on_cancel_submit(ctx: Ctx, args: list[str]) -> list[Reply]:
    ctx.data["mode"] = "review"
    return [replace(_review(ctx))]


def _on_open(ctx: Ctx, args: list[str]) -> list[Reply]:
    return open_(ctx)


# --- screens ------------------------------------------------------------------------------------


def _question(ctx: Ctx) -> Reply:
    criterion = _current(ctx)
    ids = _ids(ctx)
    answer = _answers(ctx).get(criterion.id)
    lines = [
        messages.SA_HEADER.format(index=ids.index(criterion.id) + 1, count=len(ids)),
        messages.SA_GROUP.format(group_id=criterion.group_id, group_title=criterion.group_title),
        f"{criterion.id}. {criterion.title}",
        criterion.question,
    ]
    if criterion.evidence:
        lines.append(messages.SA_EVIDENCE_HINT.format(hint=criterion.evidence))
    lines.append(
        messages.SA_MAX_POINTS.format(points=format_points(criterion.max_points))
        if criterion.max_points > 0
        else messages.SA_NO_POINTS
    )
    if answer is not None:
        who = ctx.uow.users.get(answer.answered_by)
        lines.append(
            messages.SA_CURRENT_ANSWER.format(
                answer=summarise(criterion, answer.value),
                points=format_points(answer.points),
                who=who.full_name if who is not None else "?",
                when=ctx.local(answer.answered_at),
            )
        )
    lines.append("")
    lines.append(_how(criterion))
    buttons: list[tuple[Button, ...]] = []
    cid = criterion.id
    if criterion.type is AnswerType.SINGLE_CHOICE:
        buttons += [(Button(o.label, f"sa:o:{cid}:{o.id}"),) for o in criterion.options]
    elif criterion.type is AnswerType.MULTI_CHOICE:
        selected = set(ctx.data.get("sel", []))
        lines.append(
            messages.SA_SELECTED.format(
                selected=", ".join(o.label for o in criterion.options if o.id in selected)
                or messages.SA_NONE_SELECTED
            )
        )
        buttons += [
            (Button(("☑️ " if o.id in selected else "⬜ ") + o.label, f"sa:t:{cid}:{o.id}"),)
            for o in criterion.options
        ]
        buttons.append((Button(messages.BTN_DONE, f"sa:d:{cid}"),))
    elif criterion.type is AnswerType.EVIDENCE:
        stored = ctx.uow.evidence.for_criterion(*_scope(ctx), cid, KIND)
        if stored:
            valid = sum(1 for e in stored if e.status == "valid")
            lines.append(messages.SA_EVIDENCE_SO_FAR.format(total=len(stored), valid=valid))
        buttons.append((Button(messages.BTN_DONE, f"sa:ed:{cid}"),))
    if answer is not None and criterion.type not in (AnswerType.MULTI_CHOICE, AnswerType.EVIDENCE):
        buttons.append((Button(messages.BTN_KEEP, f"sa:k:{cid}"),))
    buttons += nav_buttons(FLOW)
    expects_number = criterion.type in (AnswerType.COUNT_PAIR, AnswerType.PERCENTAGE)
    upload = evidence_purpose(ctx.unit.id, cid) if criterion.type is AnswerType.EVIDENCE else None  # type: ignore[arg-type]
    return Reply("\n".join(lines), buttons=tuple(buttons), expects_number=expects_number, upload=upload)


def evidence_purpose(school_id: int, criterion_id: str) -> str:
    """The payload of a file sent as evidence for this school's criterion (e.g. through an upload link)."""
    return f"sa:ev:{school_id}:{criterion_id}"


def _how(criterion: Criterion) -> str:
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            return messages.SA_HOW_SINGLE
        case AnswerType.MULTI_CHOICE:
            return messages.SA_HOW_MULTI
        case AnswerType.COUNT_PAIR:
            return messages.SA_HOW_COUNT_PAIR.format(issued=_issued(criterion), used=_used(criterion))
        case AnswerType.PERCENTAGE:
            return messages.SA_HOW_PERCENT
        case AnswerType.EVIDENCE:
            return messages.SA_HOW_EVIDENCE
        case _:
            return messages.SA_HOW_TEXT


def _list(ctx: Ctx) -> Reply:
    answers = _answers(ctx)
    buttons = [
        (Button(f"{'✅' if c.id in answers else '⬜'} {c.id}. {short(c.title, 40)}", f"sa:j:{c.id}"),)
        for c in ctx.rubric.criteria  # type: ignore[union-attr]
    ]
    buttons.append((Button(messages.BTN_REVIEW, "sa:r"),))
    return Reply(messages.SA_LIST_TITLE, buttons=tuple(buttons))


def _review(ctx: Ctx) -> Reply:
    answers = _answers(ctx)
    score = _score(ctx, answers)
    lines = [messages.SA_REVIEW_TITLE, ""]
    for criterion in ctx.rubric.criteria:  # type: ignore[union-attr]
        answer = answers.get(criterion.id)
        mark = "✅" if answer is not None else "⬜"
        shown = summarise(criterion, answer.value) if answer is not None else messages.SA_NOT_ANSWERED
        if criterion.max_points > 0:
            lines.append(
                messages.SA_REVIEW_LINE.format(
                    mark=mark,
                    criterion=criterion.id,
                    title=criterion.title,
                    answer=shown,
                    points=format_points(score.points(criterion.id)),
                    max=format_points(criterion.max_points),
                )
            )
        else:
            lines.append(
                messages.SA_REVIEW_LINE_NO_POINTS.format(
                    mark=mark, criterion=criterion.id, title=criterion.title, answer=shown
                )
            )
    lines.append("")
    lines.append(
        messages.SA_REVIEW_TOTAL.format(
            total=format_points(score.total), max=format_points(score.max_points), band=score.band.label
        )
    )
    if score.missing_required:
        lines.append(
            messages.SA_REVIEW_MISSING.format(
                count=len(score.missing_required), ids=", ".join(score.missing_required)
            )
        )
    buttons = rows(
        Button(messages.BTN_SUBMIT, "sa:sub"),
        Button(messages.BTN_EDIT, "sa:e"),
        Button(messages.BTN_CONTINUE, "sa:c"),
    )
    return Reply("\n".join(lines), buttons=buttons)


def _confirm(ctx: Ctx) -> Reply:
    score = _score(ctx)
    text = messages.SA_CONFIRM_SUBMIT.format(
        total=format_points(score.total), max=format_points(score.max_points), band=score.band.label
    )
    return Reply(
        text,
        buttons=((Button(messages.BTN_CONFIRM_SUBMIT, "sa:ok"), Button(messages.BTN_CANCEL_SUBMIT, "sa:no")),),
    )


def summarise(criterion: Criterion, value: dict[str, Any]) -> str:
    """A short Vietnamese rendering of a stored answer value."""
    labels = {o.id: o.label for o in criterion.options}
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            return labels.get(value.get("option", ""), "?")
        case AnswerType.MULTI_CHOICE:
            chosen = [labels.get(o, o) for o in value.get("options", [])]
            return "; ".join(chosen) if chosen else messages.SA_NONE
        case AnswerType.COUNT_PAIR:
            text = f"{_issued(criterion)} {value.get('issued')}, {_used(criterion)} {value.get('used')}"
            if "no_certificates_issued" in flags(criterion, value):
                text += f" ({messages.SA_FLAG_NO_CERTS})"
            return text
        case AnswerType.PERCENTAGE:
            return f"{format_points(float(value.get('percent', 0)))}%"
        case AnswerType.EVIDENCE:
            return messages.SA_EVIDENCE_SO_FAR.format(total=value.get("total", 0), valid=value.get("valid", 0))
        case _:
            return short(str(value.get("text", "")), _SUMMARY_LIMIT)


# --- helpers ------------------------------------------------------------------------------------


def _precondition(ctx: Ctx) -> list[Reply] | None:
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    if ctx.unit.kind != "school":
        return [Reply(messages.NOT_A_SCHOOL_USER)]
    return None


def _submitted_reply(ctx: Ctx) -> list[Reply] | None:
    campaign_id, school_id = _scope(ctx)
    submission = ctx.uow.submissions.get(campaign_id, school_id, KIND)
    if submission is None or submission.status != "submitted":
        return None
    when = ctx.local(submission.submitted_at) if submission.submitted_at else ""
    return [
        Reply(
            messages.SA_ALREADY_SUBMITTED.format(
                school=ctx.unit.name,
                when=when,
                total=format_points(submission.total or 0),
                max=format_points(ctx.rubric.max_points),  # type: ignore[union-attr]
                band=submission.band or "",
            )
        )
    ]


def _scope(ctx: Ctx) -> tuple[int, int]:
    return ctx.campaign.id, ctx.unit.id  # type: ignore[union-attr,return-value]


def _ids(ctx: Ctx) -> list[str]:
    return [c.id for c in ctx.rubric.criteria] if ctx.rubric is not None else []


def _current(ctx: Ctx) -> Criterion:
    return ctx.rubric.criterion(ctx.data["cid"])  # type: ignore[union-attr]


def _answers(ctx: Ctx) -> dict[str, Answer]:
    return ctx.uow.answers.for_school(*_scope(ctx), KIND)


def _score(ctx: Ctx, answers: dict[str, Answer] | None = None) -> SchoolScore:
    answers = _answers(ctx) if answers is None else answers
    return score_school(ctx.rubric, {cid: a.value for cid, a in answers.items()})  # type: ignore[arg-type]


def _locked(ctx: Ctx) -> bool:
    return ctx.uow.submissions.is_locked(*_scope(ctx), KIND)


def _enter(ctx: Ctx, cid: str, *, ret: bool = False) -> None:
    """Show question `cid`; a multi-choice starts from the stored selection."""
    criterion = ctx.rubric.criterion(cid)  # type: ignore[union-attr]
    selection: list[str] = []
    if criterion.type is AnswerType.MULTI_CHOICE:
        answer = _answers(ctx).get(cid)
        if answer is not None:
            selection = list(answer.value.get("options", []))
    ctx.goto(FLOW, cid=cid, mode="q", sel=selection, ret=ret)


def _stale(ctx: Ctx, args: list[str]) -> list[Reply] | None:
    if ctx.data.get("mode") == "q" and args and args[0] == ctx.data.get("cid"):
        return None
    return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]


def _put(ctx: Ctx, criterion: Criterion, value: dict[str, Any]) -> Answer:
    campaign_id, school_id = _scope(ctx)
    ctx.uow.submissions.get_or_create(campaign_id, school_id, KIND)
    return ctx.uow.answers.put(
        campaign_id=campaign_id,
        school_id=school_id,
        criterion_id=criterion.id,
        value=value,
        points=score_criterion(criterion, value),
        user_id=ctx.user.id,  # type: ignore[arg-type]
        channel=ctx.event.channel,
        event_id=ctx.event.event_id,
        kind=KIND,
    )


def _save_and_advance(ctx: Ctx, criterion: Criterion, value: dict[str, Any]) -> list[Reply]:
    if _locked(ctx):
        ctx.goto("idle")
        return [Reply(messages.SA_LOCKED), *(_submitted_reply(ctx) or [])]
    answer = _put(ctx, criterion, value)
    saved = Reply(
        messages.SA_SAVED.format(
            criterion=criterion.id, answer=summarise(criterion, value), points=format_points(answer.points)
        )
    )
    return [saved, *_advance(ctx)]


def _advance(ctx: Ctx) -> list[Reply]:
    ids = _ids(ctx)
    if ctx.data.get("ret"):
        ctx.data.update(mode="review")
        return [_review(ctx)]
    index = ids.index(ctx.data["cid"])
    if index + 1 < len(ids):
        _enter(ctx, ids[index + 1])
        return [_question(ctx)]
    ctx.data.update(mode="review", ret=True)
    return [Reply(messages.SA_ALL_ANSWERED), _review(ctx)]


def _invalid(criterion: Criterion, error: InvalidAnswer, text: str) -> Reply:
    template = messages.INVALID_ANSWER.get(error.code, messages.INVALID_ANSWER_FALLBACK)
    params = {"text": short(text.strip(), 40), "limit": 2000, **error.params}
    try:
        body = template.format(**params)
    except (KeyError, IndexError):
        body = messages.INVALID_ANSWER_FALLBACK
    return Reply(body + "\n" + messages.INVALID_ANSWER_REPEAT.format(criterion=criterion.id))


def _issued(criterion: Criterion) -> str:
    return criterion.issued_label or messages.SA_ISSUED_DEFAULT


def _used(criterion: Criterion) -> str:
    return criterion.used_label or messages.SA_USED_DEFAULT


_NAV = Navigation(_ids, _enter, _question, _list, _review, current_screen)

_BUTTONS: dict[str, Any] = {
    "open": _on_open,
    "o": _on_choice,
    "t": _on_toggle,
    "d": _on_multi_done,
    "k": _on_keep,
    "ed": _on_evidence_done,
    "s": _on_skip,
    "b": _on_back,
    "l": _NAV.on_list,
    "j": _NAV.on_jump,
    "e": _NAV.on_edit_from_review,
    "r": _NAV.on_review,
    "c": _on_continue,
    "sub": _on_submit,
    "ok": _on_confirm,
    "no": _on_cancel_submit,
}


feature = Feature(
    name="self_assessment",
    roles=(Role.PRINCIPAL,),
    commands={"/tudanhgia": open_},
    menu=(MenuEntry(messages.BTN_SELF_ASSESS, "sa:open"),),
    button_prefix="sa",
    on_button=on_button,
    flow=FLOW,
    on_text=on_text,
    on_document=on_document,
    current_screen=current_screen,
    command_help=(("tudanhgia", messages.CMD_SELF_ASSESS),),
)
