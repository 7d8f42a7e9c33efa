"""Inspectors re-score their assigned schools (/chamdiem) on the questionnaire engine. What this flow
adds: the list of assigned schools, the school's answer and evidence beside the inspector's points,
points typed with an optional comment (required when they differ from the school's), and reopening
the school's self-assessment for correction."""

from __future__ import annotations

from hsdt import texts as messages
from hsdt.actions import Action
from hsdt.actions import inspection as act
from hsdt.actions import self_assessment as sa_act
from hsdt.events import Button, Reply, rows
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import IdleState, InspectionState, Mode
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.handlers.questionnaire import (
    Conflict,
    Invalid,
    Locked,
    NeedsComment,
    Outcome,
    QuestionBody,
    Questionnaire,
    Saved,
    Wording,
    replace,
    short,
)
from hsdt.handlers.questionnaire.evidence import storable, store_evidence
from hsdt.handlers.signature_check import verdict_reply
from hsdt.scoring import (
    COMMENT_LIMIT,
    COMMENT_MIN_LENGTH,
    AnswerValue,
    Criterion,
    InvalidAnswer,
    Rescore,
    comment_too_short,
    format_points,
    needs_comment,
    parse_rescore,
)
from hsdt.scoring.assessment import (
    Assessment,
    AssessmentKind,
    NotReopenable,
    PointsOutOfRange,
    StoredAnswer,
    VersionConflict,
)
from hsdt.scoring.assessment import Locked as AssessmentLocked
from hsdt.scoring.summary import summarise
from hsdt.storage.models import Evidence, Role, SubmissionStatus, Unit
from hsdt.texts import inspection as m
from hsdt.texts import rubric as rt
from hsdt.texts import typed as typed_texts
from hsdt.texts.signatures import HEADLINES

SELF = AssessmentKind.SELF
REASON_LIMIT = 500
# What an inspector typed that is not points, in the inspectors' words.
_REFUSALS = {"points_format": m.BAD_POINTS, "points_out_of_range": m.POINTS_OUT_OF_RANGE}


class Inspection(Questionnaire[InspectionState]):
    prefix = act.PREFIX
    actions = act.ACTIONS
    wording = Wording(m.FIRST_QUESTION, m.SUBMIT_BLOCKED, m.ALL_SCORED, m.LIST_TITLE, m.REVIEW_MISSING,
                      m.BTN_SUBMIT, all_done_only_when_complete=True)

    def state(self, ctx: Ctx) -> InspectionState | None:
        return ctx.conv if isinstance(ctx.conv, InspectionState) else None

    def assessment(self, ctx: Ctx, st: InspectionState) -> Assessment:
        return ctx.assessment(st.school, st.kind)

    def own(self, ctx: Ctx, st: InspectionState) -> Assessment:
        """The school's self-assessment, read only."""
        return ctx.assessment(st.school, SELF, lock=False)

    def scope(self, st: InspectionState) -> str:
        return f"{st.school}{act.CODE_OF_KIND[st.kind]}"

    def enter(self, ctx: Ctx, st: InspectionState | None, criterion: str, *,
              to_review: bool = False) -> InspectionState:
        """Show `criterion`, remembering the version of the points shown for the compare-and-set."""
        assert st is not None  # an inspection state always knows its school
        mine = self.assessment(ctx, st).answers.get(criterion)
        new = InspectionState(school=st.school, kind=st.kind, criterion=criterion, to_review=to_review,
                              shown_version=mine.version if mine is not None else 0, **self.carry(st))
        ctx.goto(new)
        return new

    # --- opening and access ----------------------------------------------------------------------

    def precondition(self, ctx: Ctx) -> list[Reply] | None:
        if ctx.campaign is None or ctx.rubric is None:
            return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
        return None

    def resumed(self, ctx: Ctx) -> InspectionState | None:
        if isinstance(ctx.conv, IdleState) and isinstance(ctx.conv.resume, InspectionState):
            left = ctx.conv.resume
            ctx.goto(left)
            return left
        return None

    def resume_note(self, ctx: Ctx, st: InspectionState) -> Reply:
        return Reply(m.RESUME.format(kind=m.KIND_NAMES[st.kind].lower(), school=_school_name(ctx, st.school)))

    def start(self, ctx: Ctx) -> list[Reply]:
        ctx.goto(IdleState())
        return [_schools(ctx)]

    def outside_flow(self, ctx: Ctx) -> list[Reply]:
        return [Reply(messages.STALE_BUTTON), *self.open(ctx)]

    def guard(self, ctx: Ctx, st: InspectionState) -> list[Reply] | None:
        """None if the inspector may still score this school now; else why not, and the list."""
        school = ctx.uow.units.get(st.school)
        if school is None or not _assigned(ctx, st.school, st.kind):
            ctx.goto(IdleState())
            return [Reply(m.NOT_ASSIGNED), _schools(ctx)]
        return _blocked(ctx, school, st.kind)

    def on_document(self, ctx: Ctx) -> list[Reply]:
        assert ctx.checked is not None
        st = self.state(ctx)
        if st is None or st.mode is not Mode.QUESTION:
            return [verdict_reply(ctx.checked), Reply(messages.CHECK_WHILE_ASSESSING)]
        if (blocked := self.guard(ctx, st)) is not None:
            return [verdict_reply(ctx.checked), *blocked]
        if not storable(ctx):
            return [verdict_reply(ctx.checked), self.show(ctx, st)]
        assert ctx.campaign is not None and ctx.campaign.id is not None
        value = store_evidence(ctx, campaign_id=ctx.campaign.id, school_id=st.school, kind=st.kind,
                               criterion_id=st.criterion)
        stored = Reply(m.EVIDENCE_STORED.format(criterion=st.criterion, total=value.total, valid=value.valid))
        return [verdict_reply(ctx.checked), stored, self.show(ctx, st)]

    # --- buttons ---------------------------------------------------------------------------------

    def on_action(self, ctx: Ctx, st: InspectionState | None, action: Action) -> list[Reply]:
        if isinstance(action, act.Open):
            ctx.goto(IdleState())
            return [replace(_schools(ctx))]
        if isinstance(action, act.Pick):
            return self._pick(ctx, action)
        if st is None:
            return [Reply(messages.STALE_BUTTON), *self.open(ctx)]
        if (blocked := self.guard(ctx, st)) is not None:
            return blocked
        match action:
            case act.Accept(criterion=criterion):
                if (stale := self.stale(ctx, st, criterion)) is not None:
                    return stale
                own = self.own(ctx, st)
                accepted = Rescore(points=own.points(criterion), not_applicable=criterion in own.score().not_applicable)
                current = self.criterion(ctx, st)
                return self.respond(ctx, st, current, self.save(ctx, st, current, accepted))
            case act.CancelInput():
                return [replace(self.show(ctx, self.enter(ctx, st, st.criterion, to_review=st.to_review)))]
            case act.Reopen():
                if st.kind != AssessmentKind.RESCORE:
                    level = ctx.uow.levels.of_campaign(ctx.campaign.id if ctx.campaign else None).managing.singular
                    return [Reply(m.REOPEN_ONLY_DISTRICT.format(level=level)), *self.current_screen(ctx)]
                st.mode = Mode.REASON
                return [replace(self._reason_prompt(ctx, st))]
        return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]

    def _pick(self, ctx: Ctx, pick: act.Pick) -> list[Reply]:
        kind = act.KIND_CODES.get(pick.kind)
        school = ctx.uow.units.get(pick.school)
        if school is None or kind is None or not _assigned(ctx, pick.school, kind):
            return [Reply(m.NOT_ASSIGNED), _schools(ctx)]
        if (blocked := _blocked(ctx, school, kind)) is not None:
            return blocked
        st = InspectionState(school=pick.school, kind=kind, criterion="")
        return [replace(self.show(ctx, self.enter(ctx, st, self.first_open(ctx, st))))]

    def first_open(self, ctx: Ctx, st: InspectionState) -> str:
        answers = self.assessment(ctx, st).answers
        ids = self.ids(ctx, st)
        return next((cid for cid in ids if cid not in answers), st.criterion or ids[0])

    def other_text(self, ctx: Ctx, st: InspectionState, text: str) -> list[Reply] | None:
        text = text.strip()
        if st.mode is Mode.COMMENT:
            if not text:
                return [self._comment_prompt(ctx, st)]
            if len(text) > COMMENT_LIMIT:
                return [Reply(m.COMMENT_TOO_LONG.format(limit=COMMENT_LIMIT)), self._comment_prompt(ctx, st)]
            if comment_too_short(text):
                return [Reply(m.COMMENT_TOO_SHORT.format(text=short(text, 40), min=COMMENT_MIN_LENGTH)),
                        self._comment_prompt(ctx, st)]
            criterion = self.criterion(ctx, st)
            value = Rescore(points=st.pending_points or 0.0, comment=text)
            return self.respond(ctx, st, criterion, self.save(ctx, st, criterion, value))
        if st.mode is Mode.REASON:
            return self._reopen(ctx, st, text)
        return None

    # --- answers ---------------------------------------------------------------------------------

    def read(self, ctx: Ctx, st: InspectionState, criterion: Criterion, text: str) -> AnswerValue | Invalid:
        try:
            return parse_rescore(criterion, text)
        except InvalidAnswer as error:
            return Invalid.of(error)

    def save(self, ctx: Ctx, st: InspectionState, criterion: Criterion, value: AnswerValue) -> Outcome:
        assert isinstance(value, Rescore)  # what `read` and the buttons give
        if needs_comment(value, self.own(ctx, st).points(criterion.id)):
            return NeedsComment(value)
        assert ctx.user.id is not None
        try:
            stored = self.assessment(ctx, st).rescore(criterion.id, value, expected_version=st.shown_version,
                                                      by=ctx.user.id, at=ctx.now)
        except VersionConflict as conflict:
            return Conflict(conflict.current)
        except AssessmentLocked as locked:
            return Locked(locked.submitted_at)
        except PointsOutOfRange:
            return Invalid("points_out_of_range", {"value": format_points(value.points), "max": criterion.max_points})
        return Saved(stored)

    def confirmation(self, ctx: Ctx, st: InspectionState, criterion: Criterion, saved: Saved) -> Reply:
        comment = _comment(saved.answer)
        return Reply(m.SAVED.format(
            criterion=criterion.id, points=format_points(saved.answer.points), max=format_points(criterion.max_points),
            school_points=format_points(self.own(ctx, st).points(criterion.id)),
            comment=m.COMMENT_SUFFIX.format(comment=short(comment, 80)) if comment else ""))

    def refusal(self, ctx: Ctx, st: InspectionState, criterion: Criterion, invalid: Invalid,
                text: str) -> list[Reply]:
        if invalid.code == "comment_too_long":
            return [Reply(m.COMMENT_TOO_LONG.format(limit=invalid.params["max"])), self.show(ctx, st)]
        template = _REFUSALS.get(invalid.code, m.BAD_POINTS)
        typed = str(invalid.params.get("value", text.strip()))
        shown = short(typed, 20 if invalid.code == "points_out_of_range" else 40)
        return [Reply(template.format(text=shown, max=format_points(criterion.max_points))), self.show(ctx, st)]

    def needs_comment(self, ctx: Ctx, st: InspectionState, criterion: Criterion,
                      outcome: NeedsComment) -> list[Reply]:
        st.mode, st.pending_points = Mode.COMMENT, outcome.value.points
        given = outcome.value.comment
        too_short = [Reply(m.COMMENT_TOO_SHORT.format(text=short(given, 40), min=COMMENT_MIN_LENGTH))] \
            if given else []
        return [*too_short, self._comment_prompt(ctx, st)]

    def conflict(self, ctx: Ctx, st: InspectionState, criterion: Criterion, outcome: Conflict) -> list[Reply]:
        current = outcome.current
        who = ctx.uow.users.get(current.answered_by) if current is not None else None
        comment = _comment(current)
        text = m.CONFLICT.format(
            criterion=criterion.id, who=who.full_name if who is not None else "?",
            when=ctx.local(current.answered_at) if current is not None else "",
            points=format_points(current.points) if current is not None else "?",
            comment=m.COMMENT_SUFFIX.format(comment=short(comment, 80)) if comment else "")
        return [Reply(text), self.show(ctx, self.enter(ctx, st, criterion.id, to_review=st.to_review))]

    def _reopen(self, ctx: Ctx, st: InspectionState, text: str) -> list[Reply]:
        if not text:
            return [Reply(m.REOPEN_EMPTY), self._reason_prompt(ctx, st)]
        reason = short(text, REASON_LIMIT)
        assert ctx.campaign is not None and ctx.campaign.id is not None and ctx.user.id is not None
        try:
            ctx.assessment(st.school, SELF).reopen(at=ctx.now)
        except NotReopenable:
            return self.open(ctx)
        name = _school_name(ctx, st.school)
        record = ctx.uow.inspection.add_reopen(ctx.campaign.id, st.school, ctx.user.id, reason)
        notice = Reply(m.REOPEN_NOTICE.format(school=name, who=ctx.user.full_name, reason=reason),
                       buttons=((Button(m.BTN_OPEN_SELF, sa_act.Open().pack()),),))
        principals = ctx.uow.users.in_unit(st.school, Role.PRINCIPAL)
        for person in principals:
            assert person.id is not None
            ctx.uow.outbox.enqueue(person.id, [notice.to_json()], kind="reopen",
                                   dedupe_key=f"reopen:{record.id}:{person.id}")
        ctx.goto(IdleState())
        return [Reply(m.REOPENED.format(school=name, count=len(principals))), _schools(ctx)]

    def submitted(self, ctx: Ctx, st: InspectionState, assessment: Assessment) -> list[Reply]:
        ctx.goto(IdleState())
        text = m.SUBMITTED.format(kind=m.KIND_NAMES[st.kind].lower(), school=_school_name(ctx, st.school),
                                  total=format_points(assessment.total or 0),
                                  max=format_points(assessment.rubric.max_points), band=assessment.band)
        return [replace(Reply(text)), _schools(ctx)]

    def locked(self, ctx: Ctx, st: InspectionState) -> list[Reply]:
        return self.guard(ctx, st) or self.open(ctx)

    # --- screens ---------------------------------------------------------------------------------

    def question_title(self, ctx: Ctx, st: InspectionState, index: int, count: int) -> str:
        return m.HEADER.format(kind=m.KIND_NAMES[st.kind], school=_school_name(ctx, st.school), index=index,
                               count=count)

    def question_body(self, ctx: Ctx, st: InspectionState, criterion: Criterion) -> QuestionBody:
        own = self.own(ctx, st)
        theirs = own.answers.get(criterion.id)
        maximum = format_points(criterion.max_points)
        details = [m.SCHOOL_NO_ANSWER.format(max=maximum) if theirs is None else m.SCHOOL_ANSWER.format(
            answer=summarise(criterion, theirs.value), points=format_points(theirs.points), max=maximum)]
        assert ctx.campaign is not None and ctx.campaign.id is not None
        for title, kind in ((m.SCHOOL_EVIDENCE_TITLE, str(SELF)), (m.INSPECTOR_EVIDENCE_TITLE, st.kind)):
            stored = ctx.uow.evidence.for_criterion(ctx.campaign.id, st.school, criterion.id, kind)
            if stored or kind == SELF:
                details.append(title)
                details += [_evidence_line(e) for e in stored] or [m.NO_EVIDENCE]
        mine = self.assessment(ctx, st).answers.get(criterion.id)
        if mine is not None:
            who = ctx.uow.users.get(mine.answered_by)
            comment = _comment(mine)
            details.append(m.CURRENT_SCORE.format(
                points=format_points(mine.points), max=maximum,
                comment=m.COMMENT_SUFFIX.format(comment=short(comment, 200)) if comment else "",
                who=who.full_name if who is not None else "?", when=ctx.local(mine.answered_at)))
        school_points = format_points(own.points(criterion.id))
        after_nav: list[tuple[Button, ...]] = [(Button(m.BTN_REOPEN, act.Reopen().pack()),)] \
            if st.kind == AssessmentKind.RESCORE else []
        after_nav.append((Button(m.BTN_SCHOOLS, act.Open().pack()),))
        return QuestionBody(
            details, "score", (typed_texts.HOW if ctx.typed else m.HOW).format(max=maximum),
            buttons=[(Button(m.BTN_ACCEPT.format(points=school_points), act.Accept(criterion.id).pack()),)],
            after_nav=after_nav, expects_number=True)

    def other_screen(self, ctx: Ctx, st: InspectionState) -> Reply | None:
        if st.mode is Mode.COMMENT:
            return self._comment_prompt(ctx, st)
        if st.mode is Mode.REASON:
            return self._reason_prompt(ctx, st)
        return None

    def _comment_prompt(self, ctx: Ctx, st: InspectionState) -> Reply:
        text = m.NEED_COMMENT.format(points=format_points(st.pending_points or 0.0), criterion=st.criterion,
                                     min=COMMENT_MIN_LENGTH,
                                     school_points=format_points(self.own(ctx, st).points(st.criterion)))
        return Reply(text, buttons=((Button(m.BTN_CANCEL_COMMENT, act.CancelInput().pack()),),))

    def _reason_prompt(self, ctx: Ctx, st: InspectionState) -> Reply:
        return Reply(m.REOPEN_ASK_REASON.format(school=_school_name(ctx, st.school)),
                     buttons=((Button(m.BTN_CANCEL_COMMENT, act.CancelInput().pack()),),))

    def review_title(self, ctx: Ctx, st: InspectionState) -> str:
        return m.REVIEW_TITLE.format(kind=m.KIND_NAMES[st.kind], school=_school_name(ctx, st.school))

    def review_line(self, ctx: Ctx, st: InspectionState, criterion: Criterion, answer: StoredAnswer | None) -> str:
        school_points = format_points(self.own(ctx, st).points(criterion.id))
        maximum = format_points(criterion.max_points)
        if answer is None:
            return m.REVIEW_LINE_MISSING.format(mark="⬜", criterion=criterion.id, title=criterion.title,
                                                school_points=school_points, max=maximum)
        comment = _comment(answer)
        not_applicable = isinstance(answer.value, Rescore) and answer.value.not_applicable
        return m.REVIEW_LINE.format(
            mark="✅", criterion=criterion.id, title=criterion.title, school_points=school_points,
            points=format_points(answer.points), max=maximum,
            comment=m.COMMENT_SUFFIX.format(comment=short(comment, 120)) if comment else "") \
            + (rt.RESCORE_NOT_APPLICABLE if not_applicable else "")

    def review_footer(self, ctx: Ctx, st: InspectionState) -> list[str]:
        assessment = self.assessment(ctx, st)
        return [m.REVIEW_TOTAL.format(
            total=format_points(assessment.current_total()), max=format_points(assessment.rubric.max_points),
            band=assessment.current_band(), self_total=format_points(self.own(ctx, st).total or 0))]

    def review_buttons(self, ctx: Ctx, st: InspectionState) -> list[Button]:
        return [Button(m.BTN_SCHOOLS, act.Open().pack())]

    def confirm_text(self, ctx: Ctx, st: InspectionState) -> str:
        assessment = self.assessment(ctx, st)
        return m.CONFIRM.format(kind=m.KIND_NAMES[st.kind].lower(), school=_school_name(ctx, st.school),
                                total=format_points(assessment.current_total()),
                                max=format_points(assessment.rubric.max_points), band=assessment.current_band())


def _comment(answer: StoredAnswer | None) -> str:
    """The inspector's comment on their points ("" for none)."""
    return answer.value.comment if answer is not None and isinstance(answer.value, Rescore) else ""


def _school_name(ctx: Ctx, school_id: int) -> str:
    school = ctx.uow.units.get(school_id)
    return school.name if school is not None else ""


# --- the school list and who may score what ------------------------------------------------------


def _assigned(ctx: Ctx, school_id: int, kind: str) -> bool:
    assert ctx.campaign is not None and ctx.campaign.id is not None and ctx.user.id is not None
    return ctx.uow.inspection.is_assigned(ctx.campaign.id, ctx.user.id, school_id, kind)


def _blocked(ctx: Ctx, school: Unit, kind: str) -> list[Reply] | None:
    """Why this school cannot be scored right now (not submitted, or already scored), if so."""
    assert school.id is not None
    own = ctx.assessment(school.id, SELF, lock=False)
    if own.status is not SubmissionStatus.SUBMITTED:
        ctx.goto(IdleState())
        return [Reply(m.SELF_NOT_SUBMITTED.format(school=school.name, state=_state(ctx, school.id, kind))),
                _schools(ctx)]
    done = ctx.assessment(school.id, kind)
    if done.locked:
        ctx.goto(IdleState())
        return [Reply(m.ALREADY_SCORED.format(
            kind=m.KIND_NAMES[kind].lower(), school=school.name,
            when=ctx.local(done.submitted_at) if done.submitted_at else "", total=format_points(done.total or 0),
            max=format_points(done.rubric.max_points), band=done.band or "")), _schools(ctx)]
    return None


def _state(ctx: Ctx, school_id: int, kind: str) -> str:
    own = ctx.assessment(school_id, SELF, lock=False)
    if own.status is SubmissionStatus.DRAFT:
        return m.STATE_NOT_SUBMITTED
    if own.status is SubmissionStatus.REOPENED:
        return m.STATE_REOPENED
    rescore = ctx.assessment(school_id, kind, lock=False)
    if rescore.version == 0 and not rescore.answers:
        return m.STATE_SUBMITTED
    return m.STATE_SCORED if rescore.locked else m.STATE_SCORING


def _schools(ctx: Ctx) -> Reply:
    assert ctx.campaign is not None and ctx.campaign.id is not None and ctx.user.id is not None
    assignments = ctx.uow.inspection.of_inspector(ctx.campaign.id, ctx.user.id)
    if not assignments:
        return Reply(m.NO_ASSIGNMENTS)
    buttons = []
    for assignment in assignments:
        school = ctx.uow.units.get(assignment.school_id)
        assert school is not None and school.id is not None
        label = m.SCHOOL_BUTTON.format(name=school.name, kind=m.KIND_NAMES[assignment.kind],
                                       state=_state(ctx, school.id, assignment.kind))
        buttons.append(Button(label, act.Pick(school.id, act.CODE_OF_KIND[AssessmentKind(assignment.kind)]).pack()))
    return Reply(m.SCHOOL_LIST_TITLE.format(count=len(assignments)), buttons=rows(*buttons))


def _evidence_line(evidence: Evidence) -> str:
    verdict = evidence.read_verdict()
    signers = [s.signer for s in verdict.signatures if s.signer] if verdict is not None else []
    status = HEADLINES.get(evidence.status, evidence.status)
    return m.EVIDENCE_LINE.format(name=short(evidence.file_name, 60), status=status,
                                  signers=f" ({', '.join(signers[:3])})" if signers else "")


FLOW = Inspection()

feature = Feature(
    name="inspection",
    roles=(Role.INSPECTOR,),
    commands={"/chamdiem": FLOW.open},
    menu=(MenuEntry(m.BTN_RESCORE, act.Open().pack()),),
    button_prefix=act.PREFIX,
    on_button=FLOW.on_button,
    flow="insp",
    on_text=FLOW.on_text,
    on_document=FLOW.on_document,
    current_screen=FLOW.current_screen,
    command_help=(("chamdiem", m.CMD_RESCORE),),
    campaign_members_only=True,
)
