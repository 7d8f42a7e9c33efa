"""Inspectors re-score their assigned schools (/chamdiem): criterion by criterion, the school's answer,
points and evidence beside the inspector's own points and comment; review, submit, or reopen the
school's self-assessment for correction.

State (`ctx.data`): `sid` school id, `k` kind ("district" re-score | "cross" inspection), `cid` current
criterion, `mode` q|cm|ro|list|review|confirm, `ver` the version of the inspector answer shown (the
optimistic check when saving), `pend` points waiting for their comment, `ret` return to the review.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from hsdt import texts as messages
from hsdt.events import Button, Reply, rows
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.handlers.questionnaire import (
    Navigation,
    following,
    nav_buttons,
    preceding,
    replace,
    short,
    storable,
    store_evidence,
)
from hsdt.handlers.self_assessment import summarise
from hsdt.handlers.signature_check import verdict_reply
from hsdt.scoring import Criterion, band_for, format_points
from hsdt.scoring.score import quantize_points
from hsdt.texts.signatures import HEADLINES
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.models import Answer, Evidence, Role, SubmissionStatus, Unit
from hsdt.storage.types import utcnow
from hsdt.texts import inspection as m

FLOW = "insp"
P = "ins"
SELF = "self"
_KIND_CODES = {"d": DISTRICT, "c": CROSS}
_CODE_OF = {v: k for k, v in _KIND_CODES.items()}
COMMENT_LIMIT = 1000
REASON_LIMIT = 500
_POINTS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)(?:\s*[-–:;]\s*|\s+|$)(.*)$", re.S)


# --- entry points ------------------------------------------------------------------------------


def open_(ctx: Ctx) -> list[Reply]:
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    if ctx.flow != FLOW:
        resume = ctx.data.get("resume") or {}
        if resume.get("flow") == FLOW and (resume.get("data") or {}).get("sid"):
            ctx.goto(FLOW, **resume["data"])
    if ctx.flow == FLOW and ctx.data.get("sid") and ctx.data.get("cid") in _ids(ctx):
        target = _guard(ctx)
        if isinstance(target, list):
            return target
        intro = Reply(m.RESUME.format(kind=_kind_name(ctx).lower(), school=target.name))
        if ctx.data.get("mode") in ("q", "cm", "ro"):
            _enter(ctx, ctx.data["cid"], ret=bool(ctx.data.get("ret")))
        return [intro, *current_screen(ctx)]
    ctx.goto("idle")
    return [_schools(ctx)]


def on_text(ctx: Ctx) -> list[Reply]:
    target = _guard(ctx)
    if isinstance(target, list):
        return target
    mode = ctx.data.get("mode")
    text = ctx.event.text.strip()
    if mode == "cm":
        return _on_comment(ctx, text)
    if mode == "ro":
        return _on_reason(ctx, target, text)
    if mode != "q":
        return [Reply(messages.UNEXPECTED_INPUT), *current_screen(ctx)]
    criterion = _current(ctx)
    parsed = _parse_points(text, criterion)
    if isinstance(parsed, Reply):
        return [parsed, _question(ctx)]
    points, comment = parsed
    if len(comment) > COMMENT_LIMIT:
        return [Reply(m.COMMENT_TOO_LONG.format(limit=COMMENT_LIMIT)), _question(ctx)]
    return _save(ctx, criterion, points, comment)


def on_button(ctx: Ctx) -> list[Reply]:
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    parts = ctx.event.payload.split(":")
    action = parts[1] if len(parts) > 1 else ""
    if action == "open":
        ctx.goto("idle")
        return [replace(_schools(ctx))]
    if action == "p":
        return _on_pick(ctx, parts[2:])
    handler = _BUTTONS.get(action)
    if handler is None or ctx.flow != FLOW:
        return [Reply(messages.STALE_BUTTON), *open_(ctx)]
    target = _guard(ctx)
    if isinstance(target, list):
        return target
    return handler(ctx, parts[2:])


def on_document(ctx: Ctx) -> list[Reply]:
    assert ctx.checked is not None
    if ctx.flow != FLOW or ctx.data.get("mode") != "q":
        return [verdict_reply(ctx.checked), Reply(messages.CHECK_WHILE_ASSESSING)]
    target = _guard(ctx)
    if isinstance(target, list):
        return [verdict_reply(ctx.checked), *target]
    if not storable(ctx):
        return [verdict_reply(ctx.checked), _question(ctx)]
    cid = ctx.data["cid"]
    value = store_evidence(ctx, campaign_id=ctx.campaign.id, school_id=target.id,  # type: ignore[union-attr,arg-type]
                           kind=ctx.data["k"], criterion_id=cid)
    return [verdict_reply(ctx.checked), Reply(m.EVIDENCE_STORED.format(criterion=cid, **value)), _question(ctx)]


def current_screen(ctx: Ctx) -> list[Reply]:
    if ctx.flow != FLOW or ctx.data.get("cid") not in _ids(ctx):
        return open_(ctx)
    match ctx.data.get("mode"):
        case "review":
            return [_review(ctx)]
        case "confirm":
            return [_confirm(ctx)]
        case "list":
            return [_list(ctx)]
        case "cm":
            return [_comment_prompt(ctx)]
        case "ro":
            return [_reason_prompt(ctx)]
    return [_question(ctx)]


# --- access -------------------------------------------------------------------------------------


def _guard(ctx: Ctx) -> Unit | list[Reply]:
    """The school in the state, if the inspector may still score it now; else why not, and the list."""
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    sid, kind = ctx.data.get("sid"), ctx.data.get("k")
    school = ctx.uow.units.get(sid) if isinstance(sid, int) else None
    if school is None or kind not in _CODE_OF or not _assigned(ctx, school.id, kind):  # type: ignore[arg-type]
        ctx.goto("idle")
        return [Reply(m.NOT_ASSIGNED), _schools(ctx)]
    return _open_state(ctx, school, kind) or school


def _open_state(ctx: Ctx, school: Unit, kind: str) -> list[Reply] | None:
    """Why this school cannot be scored right now (not submitted, or already scored), if so."""
    campaign_id = ctx.campaign.id  # type: ignore[union-attr]
    own = ctx.uow.submissions.get(campaign_id, school.id, SELF)  # type: ignore[arg-type]
    if own is None or own.status != SubmissionStatus.SUBMITTED:
        ctx.goto("idle")
        state = _state(ctx, school.id, kind)  # type: ignore[arg-type]
        return [Reply(m.SELF_NOT_SUBMITTED.format(school=school.name, state=state)), _schools(ctx)]
    done = ctx.uow.submissions.get(campaign_id, school.id, kind)  # type: ignore[arg-type]
    if done is not None and done.status == SubmissionStatus.SUBMITTED:
        ctx.goto("idle")
        return [Reply(m.ALREADY_SCORED.format(
            kind=m.KIND_NAMES[kind].lower(), school=school.name,
            when=ctx.local(done.submitted_at) if done.submitted_at else "",
            total=format_points(done.total or 0), max=format_points(ctx.rubric.max_points),  # type: ignore[union-attr]
            band=done.band or "")), _schools(ctx)]
    return None


def _assigned(ctx: Ctx, school_id: int, kind: str) -> bool:
    return ctx.uow.inspection.is_assigned(ctx.campaign.id, ctx.user.id, school_id, kind)  # type: ignore[union-attr,arg-type]


def _state(ctx: Ctx, school_id: int, kind: str) -> str:
    campaign_id = ctx.campaign.id  # type: ignore[union-attr]
    own = ctx.uow.submissions.get(campaign_id, school_id, SELF)  # type: ignore[arg-type]
    if own is None or own.status == SubmissionStatus.DRAFT:
        return m.STATE_NOT_SUBMITTED
    if own.status == SubmissionStatus.REOPENED:
        return m.STATE_REOPENED
    rescore = ctx.uow.submissions.get(campaign_id, school_id, kind)  # type: ignore[arg-type]
    if rescore is None:
        return m.STATE_SUBMITTED
    return m.STATE_SCORED if rescore.status == SubmissionStatus.SUBMITTED else m.STATE_SCORING


def _schools(ctx: Ctx) -> Reply:
    assignments = ctx.uow.inspection.of_inspector(ctx.campaign.id, ctx.user.id)  # type: ignore[union-attr,arg-type]
    if not assignments:
        return Reply(m.NO_ASSIGNMENTS)
    buttons = []
    for assignment in assignments:
        school = ctx.uow.units.get(assignment.school_id)
        assert school is not None
        label = m.SCHOOL_BUTTON.format(name=school.name, kind=m.KIND_NAMES[assignment.kind],
                                       state=_state(ctx, school.id, assignment.kind))  # type: ignore[arg-type]
        buttons.append(Button(label, f"{P}:p:{school.id}:{_CODE_OF[assignment.kind]}"))
    return Reply(m.SCHOOL_LIST_TITLE.format(count=len(assignments)), buttons=rows(*buttons))


def _on_pick(ctx: Ctx, args: list[str]) -> list[Reply]:
    kind = _KIND_CODES.get(args[1]) if len(args) > 1 else None
    school = ctx.uow.units.get(int(args[0])) if args and args[0].isdigit() else None
    if school is None or kind is None or not _assigned(ctx, school.id, kind):  # type: ignore[arg-type]
        return [Reply(m.NOT_ASSIGNED), _schools(ctx)]
    blocked = _open_state(ctx, school, kind)
    if blocked is not None:
        return blocked
    ctx.goto(FLOW, sid=school.id, k=kind)
    scored = _mine(ctx)
    first = next((cid for cid in _ids(ctx) if cid not in scored), _ids(ctx)[0])
    _enter(ctx, first)
    return [replace(_question(ctx))]


# --- buttons -------------------------------------------------------------------------------------


def _on_accept(ctx: Ctx, args: list[str]) -> list[Reply]:
    if (stale := _stale(ctx, args)) is not None:
        return stale
    criterion = _current(ctx)
    return _save(ctx, criterion, _school_points(ctx, criterion.id), "")


def _on_skip(ctx: Ctx, args: list[str]) -> list[Reply]:
    if ctx.data.get("mode") != "q":
        return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]
    return _advance(ctx)


def _on_back(ctx: Ctx, args: list[str]) -> list[Reply]:
    cid = ctx.data["cid"]
    if ctx.data.get("mode") != "q":
        _enter(ctx, cid)
        return [replace(_question(ctx))]
    previous = preceding(_ids(ctx), cid)
    if previous is None:
        return [Reply(m.FIRST_QUESTION), _question(ctx)]
    _enter(ctx, previous)
    return [replace(_question(ctx))]


def _on_continue(ctx: Ctx, args: list[str]) -> list[Reply]:
    scored = _mine(ctx)
    _enter(ctx, next((cid for cid in _ids(ctx) if cid not in scored), ctx.data["cid"]))
    return [replace(_question(ctx))]


def _on_submit(ctx: Ctx, args: list[str]) -> list[Reply]:
    missing = _missing(ctx)
    if missing:
        ctx.data["mode"] = "review"
        return [Reply(m.SUBMIT_BLOCKED.format(count=len(missing), ids=", ".join(missing))), _review(ctx)]
    ctx.data["mode"] = "confirm"
    return [replace(_confirm(ctx))]


def _on_confirm(ctx: Ctx, args: list[str]) -> list[Reply]:
    if ctx.data.get("mode") != "confirm":
        return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]
    if _missing(ctx):
        return _on_submit(ctx, args)
    total = _total(ctx)
    band = band_for(ctx.rubric, total).label  # type: ignore[arg-type]
    school = ctx.uow.units.get(ctx.data["sid"])
    kind = ctx.data["k"]
    ctx.uow.submissions.mark_submitted(ctx.campaign.id, ctx.data["sid"], ctx.user.id, total, band, kind)  # type: ignore[union-attr,arg-type]
    ctx.goto("idle")
    text = m.SUBMITTED.format(kind=m.KIND_NAMES[kind].lower(), school=school.name if school else "",
                              total=format_points(total), max=format_points(ctx.rubric.max_points), band=band)  # type: ignore[union-attr]
    return [replace(Reply(text)), _schools(ctx)]


def _on_cancel_submit(ctx: Ctx, args: list[str]) -> list[Reply]:
    ctx.data["mode"] = "review"
    return [replace(_review(ctx))]


def _on_cancel_input(ctx: Ctx, args: list[str]) -> list[Reply]:
    _enter(ctx, ctx.data["cid"], ret=bool(ctx.data.get("ret")))
    return [replace(_question(ctx))]


def _on_reopen(ctx: Ctx, args: list[str]) -> list[Reply]:
    if ctx.data.get("k") != DISTRICT:
        return [Reply(m.REOPEN_ONLY_DISTRICT), *current_screen(ctx)]
    ctx.data["mode"] = "ro"
    return [replace(_reason_prompt(ctx))]


# --- saving --------------------------------------------------------------------------------------


def _parse_points(text: str, criterion: Criterion) -> tuple[float, str] | Reply:
    maximum = format_points(criterion.max_points)
    match = _POINTS.match(text)
    if match is None:
        return Reply(m.BAD_POINTS.format(text=short(text, 40), max=maximum))
    try:
        points = quantize_points(Decimal(match.group(1).replace(",", ".")))
    except InvalidOperation:
        return Reply(m.BAD_POINTS.format(text=short(text, 40), max=maximum))
    if points > Decimal(str(criterion.max_points)):
        return Reply(m.POINTS_OUT_OF_RANGE.format(text=short(match.group(1), 20), max=maximum))
    return float(points), match.group(2).strip()


def _on_comment(ctx: Ctx, text: str) -> list[Reply]:
    if not text:
        return [_comment_prompt(ctx)]
    if len(text) > COMMENT_LIMIT:
        return [Reply(m.COMMENT_TOO_LONG.format(limit=COMMENT_LIMIT)), _comment_prompt(ctx)]
    return _save(ctx, _current(ctx), float(ctx.data.get("pend", 0)), text)


def _save(ctx: Ctx, criterion: Criterion, points: float, comment: str) -> list[Reply]:
    school_points = _school_points(ctx, criterion.id)
    if abs(points - school_points) >= 0.005 and not comment:
        ctx.data.update(mode="cm", pend=points)
        return [_comment_prompt(ctx)]
    campaign_id, school_id, kind = ctx.campaign.id, ctx.data["sid"], ctx.data["k"]  # type: ignore[union-attr]
    ctx.uow.submissions.get_or_create(campaign_id, school_id, kind)  # type: ignore[arg-type]
    saved = ctx.uow.inspection.put_score(
        campaign_id=campaign_id, school_id=school_id, kind=kind, criterion_id=criterion.id,  # type: ignore[arg-type]
        value={"points": points, "comment": comment}, points=points, user_id=ctx.user.id,  # type: ignore[arg-type]
        channel=ctx.event.channel, event_id=ctx.event.event_id, expected_version=int(ctx.data.get("ver", 0)),
    )
    if saved is None:
        return _conflict(ctx, criterion)
    note = m.COMMENT_SUFFIX.format(comment=short(comment, 80)) if comment else ""
    reply = Reply(m.SAVED.format(criterion=criterion.id, points=format_points(points),
                                 max=format_points(criterion.max_points),
                                 school_points=format_points(school_points), comment=note))
    return [reply, *_advance(ctx)]


def _conflict(ctx: Ctx, criterion: Criterion) -> list[Reply]:
    current = _mine(ctx).get(criterion.id)
    who = ctx.uow.users.get(current.answered_by) if current is not None else None
    comment = str(current.value.get("comment") or "") if current is not None else ""
    text = m.CONFLICT.format(
        criterion=criterion.id, who=who.full_name if who is not None else "?",
        when=ctx.local(current.answered_at) if current is not None else "",
        points=format_points(current.points) if current is not None else "?",
        comment=m.COMMENT_SUFFIX.format(comment=short(comment, 80)) if comment else "",
    )
    _enter(ctx, criterion.id, ret=bool(ctx.data.get("ret")))
    return [Reply(text), _question(ctx)]


def _on_reason(ctx: Ctx, school: Unit, text: str) -> list[Reply]:
    if not text:
        return [Reply(m.REOPEN_EMPTY), _reason_prompt(ctx)]
    reason = short(text, REASON_LIMIT)
    campaign_id = ctx.campaign.id  # type: ignore[union-attr]
    own = ctx.uow.submissions.get(campaign_id, school.id, SELF)  # type: ignore[arg-type]
    assert own is not None  # _guard checked that it is submitted
    own.status = SubmissionStatus.REOPENED
    own.updated_at = utcnow()
    ctx.uow.session.add(own)
    record = ctx.uow.inspection.add_reopen(campaign_id, school.id, ctx.user.id, reason)  # type: ignore[arg-type]
    notice = Reply(m.REOPEN_NOTICE.format(school=school.name, who=ctx.user.full_name, reason=reason),
                   buttons=((Button(m.BTN_OPEN_SELF, "sa:open"),),))
    principals = ctx.uow.users.in_unit(school.id, Role.PRINCIPAL)  # type: ignore[arg-type]
    for person in principals:
        ctx.uow.outbox.enqueue(person.id, [notice.to_json()], kind="reopen",  # type: ignore[arg-type]
                               dedupe_key=f"reopen:{record.id}:{person.id}")
    ctx.goto("idle")
    return [Reply(m.REOPENED.format(school=school.name, count=len(principals))), _schools(ctx)]


def _advance(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("ret"):
        ctx.data["mode"] = "review"
        return [_review(ctx)]
    following_id = following(_ids(ctx), ctx.data["cid"])
    if following_id is not None:
        _enter(ctx, following_id)
        return [_question(ctx)]
    ctx.data.update(mode="review", ret=True)
    return [Reply(m.ALL_SCORED), _review(ctx)] if not _missing(ctx) else [_review(ctx)]


# --- screens ------------------------------------------------------------------------------------


def _question(ctx: Ctx) -> Reply:
    criterion = _current(ctx)
    ids = _ids(ctx)
    school = ctx.uow.units.get(ctx.data["sid"])
    own = _school_answers(ctx).get(criterion.id)
    maximum = format_points(criterion.max_points)
    lines = [
        m.HEADER.format(kind=_kind_name(ctx), school=school.name if school else "",
                        index=ids.index(criterion.id) + 1, count=len(ids)),
        messages.SA_GROUP.format(group_id=criterion.group_id, group_title=criterion.group_title),
        f"{criterion.id}. {criterion.title}",
        criterion.question,
        m.SCHOOL_ANSWER.format(answer=summarise(criterion, own.value), points=format_points(own.points), max=maximum)
        if own is not None else m.SCHOOL_NO_ANSWER.format(max=maximum),
    ]
    for title, kind in ((m.SCHOOL_EVIDENCE_TITLE, SELF), (m.INSPECTOR_EVIDENCE_TITLE, ctx.data["k"])):
        stored = ctx.uow.evidence.for_criterion(ctx.campaign.id, ctx.data["sid"], criterion.id, kind)  # type: ignore[union-attr,arg-type]
        if stored or kind == SELF:
            lines.append(title)
            lines += [_evidence_line(e) for e in stored] or [m.NO_EVIDENCE]
    mine = _mine(ctx).get(criterion.id)
    if mine is not None:
        who = ctx.uow.users.get(mine.answered_by)
        comment = str(mine.value.get("comment") or "")
        lines.append(m.CURRENT_SCORE.format(
            points=format_points(mine.points), max=maximum,
            comment=m.COMMENT_SUFFIX.format(comment=short(comment, 200)) if comment else "",
            who=who.full_name if who is not None else "?", when=ctx.local(mine.answered_at)))
    lines += ["", m.HOW.format(max=maximum)]
    school_points = format_points(_school_points(ctx, criterion.id))
    buttons: list[tuple[Button, ...]] = [(Button(m.BTN_ACCEPT.format(points=school_points), f"{P}:a:{criterion.id}"),)]
    buttons += nav_buttons(P)
    if ctx.data["k"] == DISTRICT:
        buttons.append((Button(m.BTN_REOPEN, f"{P}:ro"),))
    buttons.append((Button(m.BTN_SCHOOLS, f"{P}:open"),))
    return Reply("\n".join(lines), buttons=tuple(buttons), expects_number=True)


def _evidence_line(evidence: Evidence) -> str:
    signers = [s.get("signer") for s in evidence.verdict.get("signatures", []) if s.get("signer")]
    status = HEADLINES.get(evidence.status, evidence.status)
    return m.EVIDENCE_LINE.format(name=short(evidence.file_name, 60), status=status,
                                  signers=f" ({', '.join(signers[:3])})" if signers else "")


def _comment_prompt(ctx: Ctx) -> Reply:
    criterion = _current(ctx)
    text = m.NEED_COMMENT.format(points=format_points(float(ctx.data.get("pend", 0))), criterion=criterion.id,
                                 school_points=format_points(_school_points(ctx, criterion.id)))
    return Reply(text, buttons=((Button(m.BTN_CANCEL_COMMENT, f"{P}:x"),),))


def _reason_prompt(ctx: Ctx) -> Reply:
    school = ctx.uow.units.get(ctx.data["sid"])
    return Reply(m.REOPEN_ASK_REASON.format(school=school.name if school else ""),
                 buttons=((Button(m.BTN_CANCEL_COMMENT, f"{P}:x"),),))


def _list(ctx: Ctx) -> Reply:
    scored = _mine(ctx)
    buttons = [
        (Button(f"{'✅' if c.id in scored else '⬜'} {c.id}. {short(c.title, 40)}", f"{P}:j:{c.id}"),)
        for c in _criteria(ctx)
    ]
    buttons.append((Button(messages.BTN_REVIEW, f"{P}:r"),))
    return Reply(m.LIST_TITLE, buttons=tuple(buttons))


def _review(ctx: Ctx) -> Reply:
    school = ctx.uow.units.get(ctx.data["sid"])
    scored = _mine(ctx)
    lines = [m.REVIEW_TITLE.format(kind=_kind_name(ctx), school=school.name if school else ""), ""]
    for criterion in _criteria(ctx):
        answer = scored.get(criterion.id)
        school_points = format_points(_school_points(ctx, criterion.id))
        maximum = format_points(criterion.max_points)
        if answer is None:
            lines.append(m.REVIEW_LINE_MISSING.format(mark="⬜", criterion=criterion.id, title=criterion.title,
                                                      school_points=school_points, max=maximum))
            continue
        comment = str(answer.value.get("comment") or "")
        lines.append(m.REVIEW_LINE.format(
            mark="✅", criterion=criterion.id, title=criterion.title, school_points=school_points,
            points=format_points(answer.points), max=maximum,
            comment=m.COMMENT_SUFFIX.format(comment=short(comment, 120)) if comment else ""))
    total = _total(ctx)
    own = ctx.uow.submissions.get(ctx.campaign.id, ctx.data["sid"], SELF)  # type: ignore[union-attr]
    lines += ["", m.REVIEW_TOTAL.format(total=format_points(total), max=format_points(ctx.rubric.max_points),  # type: ignore[union-attr]
                                        band=band_for(ctx.rubric, total).label,  # type: ignore[arg-type]
                                        self_total=format_points(own.total or 0) if own else "?")]
    missing = _missing(ctx)
    if missing:
        lines.append(m.REVIEW_MISSING.format(count=len(missing), ids=", ".join(missing)))
    buttons = rows(
        Button(messages.BTN_SUBMIT, f"{P}:sub"),
        Button(messages.BTN_EDIT, f"{P}:e"),
        Button(messages.BTN_CONTINUE, f"{P}:c"),
        Button(m.BTN_SCHOOLS, f"{P}:open"),
    )
    return Reply("\n".join(lines), buttons=buttons)


def _confirm(ctx: Ctx) -> Reply:
    school = ctx.uow.units.get(ctx.data["sid"])
    total = _total(ctx)
    text = m.CONFIRM.format(kind=_kind_name(ctx).lower(), school=school.name if school else "",
                            total=format_points(total), max=format_points(ctx.rubric.max_points),  # type: ignore[union-attr]
                            band=band_for(ctx.rubric, total).label)  # type: ignore[arg-type]
    return Reply(text, buttons=((Button(messages.BTN_CONFIRM_SUBMIT, f"{P}:ok"),
                                 Button(messages.BTN_CANCEL_SUBMIT, f"{P}:no")),))


# --- helpers ------------------------------------------------------------------------------------


def _criteria(ctx: Ctx) -> list[Criterion]:
    """Only criteria that carry points are re-scored (free-text remarks are not)."""
    return [c for c in ctx.rubric.criteria if c.max_points > 0] if ctx.rubric is not None else []


def _ids(ctx: Ctx) -> list[str]:
    return [c.id for c in _criteria(ctx)]


def _current(ctx: Ctx) -> Criterion:
    return ctx.rubric.criterion(ctx.data["cid"])  # type: ignore[union-attr]


def _kind_name(ctx: Ctx) -> str:
    return m.KIND_NAMES.get(ctx.data.get("k", ""), "")


def _school_answers(ctx: Ctx) -> dict[str, Answer]:
    return ctx.uow.answers.for_school(ctx.campaign.id, ctx.data["sid"], SELF)  # type: ignore[union-attr]


def _school_points(ctx: Ctx, cid: str) -> float:
    answer = _school_answers(ctx).get(cid)
    return answer.points if answer is not None else 0.0


def _mine(ctx: Ctx) -> dict[str, Answer]:
    """The inspection's points so far (shared by every inspector assigned the same school and kind)."""
    return ctx.uow.answers.for_school(ctx.campaign.id, ctx.data["sid"], ctx.data["k"])  # type: ignore[union-attr]


def _missing(ctx: Ctx) -> list[str]:
    scored = _mine(ctx)
    return [cid for cid in _ids(ctx) if cid not in scored]


def _total(ctx: Ctx) -> float:
    scored = _mine(ctx)
    return float(sum((Decimal(str(scored[cid].points)) for cid in _ids(ctx) if cid in scored), Decimal(0)))


def _enter(ctx: Ctx, cid: str, *, ret: bool = False) -> None:
    """Show criterion `cid`, remembering the version of the points shown for the optimistic check."""
    mine = _mine(ctx).get(cid)
    ctx.goto(FLOW, sid=ctx.data["sid"], k=ctx.data["k"], cid=cid, mode="q", ret=ret,
             ver=mine.version if mine is not None else 0)


def _stale(ctx: Ctx, args: list[str]) -> list[Reply] | None:
    if ctx.data.get("mode") == "q" and args and args[0] == ctx.data.get("cid"):
        return None
    return [Reply(messages.STALE_BUTTON), *current_screen(ctx)]


_NAV = Navigation(_ids, _enter, _question, _list, _review, current_screen)

_BUTTONS: dict[str, Any] = {
    "a": _on_accept,
    "s": _on_skip,
    "b": _on_back,
    "l": _NAV.on_list,
    "j": _NAV.on_jump,
    "r": _NAV.on_review,
    "e": _NAV.on_edit_from_review,
    "c": _on_continue,
    "sub": _on_submit,
    "ok": _on_confirm,
    "no": _on_cancel_submit,
    "x": _on_cancel_input,
    "ro": _on_reopen,
}


feature = Feature(
    name="inspection",
    roles=(Role.INSPECTOR,),
    commands={"/chamdiem": open_},
    menu=(MenuEntry(m.BTN_RESCORE, f"{P}:open"),),
    button_prefix=P,
    on_button=on_button,
    flow=FLOW,
    on_text=on_text,
    on_document=on_document,
    current_screen=current_screen,
    command_help=(("chamdiem", m.CMD_RESCORE),),
)
