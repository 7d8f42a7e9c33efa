"""One engine for every question-by-question flow (self-assessment, re-scoring, cross-inspection).

The engine is the questionnaire's controller. It owns opening and resuming the flow, the walk over
the criteria (next, back, skip, jump, the list), the question header, the review and the
confirmation screens, editing from the review, submit, stale buttons, which question a typed answer
means, and what an answer came to: a flow reads and saves an answer as a typed `Outcome` (Saved,
Invalid, NeedsComment, Locked, Conflict) and the engine picks the screens from it. A flow supplies
only what differs: its state and assessment, how a question's own lines and buttons look, how an
answer is read and saved, and its wording.
"""

from __future__ import annotations

import dataclasses
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from hsdt import texts as messages
from hsdt.actions import Action, ActionSet
from hsdt.actions.questionnaire import Jump, Nav, QuestionScreen, Step
from hsdt.events import Button, Reply, rows
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import Mode, QuestionnaireState
from hsdt.handlers.questionnaire.outcomes import Conflict, Invalid, Locked, NeedsComment, Outcome, Saved
from hsdt.scoring import AnswerValue, Criterion
from hsdt.scoring.assessment import Assessment, MissingRequired, StoredAnswer
from hsdt.scoring.assessment import Locked as AssessmentLocked
from hsdt.scoring.rubric import Group
from hsdt.scoring.summary import short

S = TypeVar("S", bound=QuestionnaireState)

# Modes whose screen is the question (or an input of the flow's own below it): resuming shows it afresh.
_SCREENS_KEPT = frozenset({Mode.LIST, Mode.REVIEW, Mode.CONFIRM})


def replace(reply: Reply) -> Reply:
    """The same reply, shown in place of the message whose button was pressed."""
    return dataclasses.replace(reply, replace_previous=True)


def group_line(group: Group) -> str:
    """"Nội dung 2. Sử dụng chữ ký số …"; a group without points (the school's remarks) by its title alone."""
    if group.max_points > 0:
        return messages.SA_GROUP.format(group_id=group.id, group_title=group.title)
    return group.title


@dataclass(frozen=True)
class Wording:
    """The few texts in which flows differ."""

    first_question: str
    submit_blocked: str  # {count} {ids}
    all_done: str
    list_title: str
    review_missing: str  # {count} {ids}
    submit_button: str
    all_done_only_when_complete: bool = False


@dataclass
class QuestionBody:
    """What a flow shows of a question below the engine's header (screen title, group, criterion, question)."""

    details: list[str]  # right below the question: points, the school's answer, the current answer
    how_kind: str  # the kind of question whose instructions these are (shown once per kind, see `how`)
    how: str  # the instructions
    below: list[str] = field(default_factory=list)  # under the instructions: what is ticked, the files
    buttons: list[tuple[Button, ...]] = field(default_factory=list)  # the answer's own, above the navigation
    after_nav: list[tuple[Button, ...]] = field(default_factory=list)
    expects_number: bool = False
    upload: str | None = None


class Questionnaire(ABC, Generic[S]):
    prefix: str
    wording: Wording
    actions: ActionSet

    # --- what a flow supplies: state and assessment --------------------------------------------------

    @abstractmethod
    def state(self, ctx: Ctx) -> S | None:
        """The user's state if they are in this flow."""

    @abstractmethod
    def assessment(self, ctx: Ctx, st: S) -> Assessment:
        """The assessment being answered (locked for this event)."""

    @abstractmethod
    def scope(self, st: S) -> str:
        """Which assessment the state is about, as a short key (part of the question's screen key)."""

    @abstractmethod
    def enter(self, ctx: Ctx, st: S | None, criterion: str, *, to_review: bool = False) -> S:
        """The state of showing `criterion` as a question (also sets it as the user's state)."""

    # --- what a flow supplies: opening ---------------------------------------------------------------

    def precondition(self, ctx: Ctx) -> list[Reply] | None:
        """Why the user cannot use the flow at all right now (no campaign, not a school), if so."""
        return None

    def closed(self, ctx: Ctx) -> list[Reply] | None:
        """What to say when the flow is over for the user (their assessment is submitted), if so."""
        return None

    @abstractmethod
    def resumed(self, ctx: Ctx) -> S | None:
        """The state `/huy` left the user in (kept in the idle state), made theirs again; None if none."""

    @abstractmethod
    def resume_note(self, ctx: Ctx, st: S) -> Reply:
        """The line above the screen the user comes back to."""

    @abstractmethod
    def start(self, ctx: Ctx) -> list[Reply]:
        """Where the flow begins when there is nothing to resume."""

    # --- what a flow supplies: screens ---------------------------------------------------------------

    @abstractmethod
    def question_title(self, ctx: Ctx, st: S, index: int, count: int) -> str:
        """The question screen's first line: the flow, the school, "Tiêu chí 3/12"."""

    @abstractmethod
    def question_body(self, ctx: Ctx, st: S, criterion: Criterion) -> QuestionBody: ...

    @abstractmethod
    def review_title(self, ctx: Ctx, st: S) -> str: ...

    @abstractmethod
    def review_line(self, ctx: Ctx, st: S, criterion: Criterion, answer: StoredAnswer | None) -> str: ...

    @abstractmethod
    def review_footer(self, ctx: Ctx, st: S) -> list[str]:
        """Below the criteria: the total and what to know about it."""

    def review_buttons(self, ctx: Ctx, st: S) -> list[Button]:
        """The flow's own buttons below submit, edit and continue."""
        return []

    @abstractmethod
    def confirm_text(self, ctx: Ctx, st: S) -> str: ...

    # --- what a flow supplies: answers -----------------------------------------------------------------

    @abstractmethod
    def read(self, ctx: Ctx, st: S, criterion: Criterion, text: str) -> AnswerValue | Invalid:
        """What the user typed at the question on screen, as the value to save."""

    @abstractmethod
    def save(self, ctx: Ctx, st: S, criterion: Criterion, value: AnswerValue) -> Outcome:
        """Store `value` as the answer to `criterion` (or say why not)."""

    @abstractmethod
    def confirmation(self, ctx: Ctx, st: S, criterion: Criterion, saved: Saved) -> Reply:
        """The one line the answered question becomes."""

    @abstractmethod
    def refusal(self, ctx: Ctx, st: S, criterion: Criterion, invalid: Invalid, text: str) -> list[Reply]:
        """What to say about an answer that is not one (`text`: what was typed, "" for a button)."""

    def needs_comment(self, ctx: Ctx, st: S, criterion: Criterion, outcome: NeedsComment) -> list[Reply]:
        """Points waiting for their comment (only a flow whose `save` asks for one)."""
        raise NotImplementedError(f"{type(self).__name__} asks for no comment")

    def conflict(self, ctx: Ctx, st: S, criterion: Criterion, outcome: Conflict) -> list[Reply]:
        """Someone else changed the answer since it was shown (only a flow that compares versions)."""
        raise NotImplementedError(f"{type(self).__name__} compares no versions")

    @abstractmethod
    def locked(self, ctx: Ctx, st: S) -> list[Reply]:
        """What to say when the assessment was submitted meanwhile (also sets the state)."""

    @abstractmethod
    def submitted(self, ctx: Ctx, st: S, assessment: Assessment) -> list[Reply]:
        """What to say once submitted."""

    @abstractmethod
    def on_action(self, ctx: Ctx, st: S | None, action: Action) -> list[Reply]:
        """A button of the flow's own (`actions`)."""

    def guard(self, ctx: Ctx, st: S) -> list[Reply] | None:
        """Why the user may not go on with this state right now, if so (the flow resets the state)."""
        return None

    def other_screen(self, ctx: Ctx, st: S) -> Reply | None:
        """The screen of a mode only this flow has."""
        return None

    def other_text(self, ctx: Ctx, st: S, text: str) -> list[Reply] | None:
        """Typed text in a mode only this flow has."""
        return None

    def outside_flow(self, ctx: Ctx) -> list[Reply]:
        """A navigation button pressed while the user is not in this flow (an old screen)."""
        return self.open(ctx)

    # --- entry points (Feature handlers) ---------------------------------------------------------------

    def open(self, ctx: Ctx) -> list[Reply]:
        """The flow's command: resume where the user was, or start."""
        if (refused := self.precondition(ctx)) is not None:
            return refused
        if (over := self.closed(ctx)) is not None:
            return over
        st = self.state(ctx) or self.resumed(ctx)
        if st is not None and (blocked := self.guard(ctx, st)) is not None:
            return blocked
        if st is None or st.criterion not in self.ids(ctx, st):
            return self.start(ctx)
        if st.mode not in _SCREENS_KEPT:
            self.enter(ctx, st, st.criterion, to_review=st.to_review)
        return [self.resume_note(ctx, st), *self.current_screen(ctx)]

    def on_button(self, ctx: Ctx) -> list[Reply]:
        if (refused := self.precondition(ctx)) is not None:
            return refused
        payload = ctx.event.payload
        own = self.actions.unpack(payload)
        if own is not None:
            return self.on_action(ctx, self.state(ctx), own)
        step = Nav.unpack(self.prefix, payload)
        jump = Jump.unpack(self.prefix, payload)
        st = self.state(ctx)
        if step is None and jump is None:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        if st is None or st.criterion not in self.ids(ctx, st):
            return self.outside_flow(ctx)
        if (blocked := self.guard(ctx, st)) is not None:
            return blocked
        if jump is not None:
            return self.jump(ctx, st, jump.criterion)
        assert step is not None
        return self._STEPS[step.step](self, ctx, st)

    def on_text(self, ctx: Ctx) -> list[Reply]:
        if (refused := self.precondition(ctx)) is not None:
            return refused
        st = self.state(ctx)
        if st is None or st.criterion not in self.ids(ctx, st):
            return [Reply(messages.UNEXPECTED_INPUT), *self.current_screen(ctx)]
        if (blocked := self.guard(ctx, st)) is not None:
            return blocked
        text = ctx.event.text
        if (handled := self.other_text(ctx, st, text)) is not None:
            return handled
        if st.mode is not Mode.QUESTION:
            return [Reply(messages.UNEXPECTED_INPUT), *self.current_screen(ctx)]
        seen = self._seen_question(ctx, st)
        if seen is not None:
            return self._answer_seen(ctx, st, seen, text)
        criterion = self.criterion(ctx, st)
        return self.respond(ctx, st, criterion, self.answer(ctx, st, criterion, text), text)

    def current_screen(self, ctx: Ctx) -> list[Reply]:
        st = self.state(ctx)
        if st is None or st.criterion not in self.ids(ctx, st):
            return self.open(ctx)
        match st.mode:
            case Mode.REVIEW:
                return [self.review(ctx, st)]
            case Mode.CONFIRM:
                return [self.confirm(ctx, st)]
            case Mode.LIST:
                return [self.listing(ctx, st)]
            case Mode.QUESTION:
                return [self.show(ctx, st)]
        other = self.other_screen(ctx, st)
        return [other] if other is not None else [self.show(ctx, st)]

    # --- answers: the controller ------------------------------------------------------------------------

    def answer(self, ctx: Ctx, st: S, criterion: Criterion, text: str) -> Outcome:
        """Typed text at the question on screen, read and saved: what it came to."""
        read = self.read(ctx, st, criterion, text)
        return read if isinstance(read, Invalid) else self.save(ctx, st, criterion, read)

    def respond(self, ctx: Ctx, st: S, criterion: Criterion, outcome: Outcome, text: str = "") -> list[Reply]:
        """The screens an answer's outcome leads to."""
        match outcome:
            case Saved():
                return self.saved(ctx, st, self.confirmation(ctx, st, criterion, outcome))
            case Invalid():
                return self.refusal(ctx, st, criterion, outcome, text)
            case NeedsComment():
                return self.needs_comment(ctx, st, criterion, outcome)
            case Locked():
                return self.locked(ctx, st)
            case Conflict():
                return self.conflict(ctx, st, criterion, outcome)
        raise AssertionError(f"unhandled outcome {outcome!r}")  # pragma: no cover

    def saved(self, ctx: Ctx, st: S, confirmation: Reply) -> list[Reply]:
        """After an answer was stored: the question becomes its one-line confirmation, and on."""
        return [self.answered(st, confirmation), *self.advance(ctx, st)]

    # --- screens -----------------------------------------------------------------------------------------

    def ids(self, ctx: Ctx, st: S) -> list[str]:
        return [c.id for c in self.assessment(ctx, st).criteria]

    def criterion(self, ctx: Ctx, st: S) -> Criterion:
        return self.assessment(ctx, st).criterion(st.criterion)

    def show(self, ctx: Ctx, st: S) -> Reply:
        """The question screen, keyed so a typed answer can be matched to what the user saw."""
        return dataclasses.replace(self.question(ctx, st), screen=self.screen_key(st))

    def question(self, ctx: Ctx, st: S) -> Reply:
        """The question of the state's criterion: the header is the engine's, the rest the flow's."""
        assessment = self.assessment(ctx, st)
        criterion = assessment.criterion(st.criterion)
        ids = self.ids(ctx, st)
        body = self.question_body(ctx, st, criterion)
        lines = [
            self.question_title(ctx, st, ids.index(criterion.id) + 1, len(ids)),
            group_line(assessment.rubric.group(criterion.group_id)),
            f"{criterion.id}. {criterion.title}",
            criterion.question,
            *body.details,
        ]
        how = self.how(st, body.how_kind, body.how)
        if how is not None:
            lines += ["", how]
        lines += body.below
        buttons = [*body.buttons, *self.nav_rows(help_hidden=how is None), *body.after_nav]
        return Reply("\n".join(lines), buttons=tuple(buttons), expects_number=body.expects_number,
                     upload=body.upload)

    def review(self, ctx: Ctx, st: S) -> Reply:
        assessment = self.assessment(ctx, st)
        lines = [self.review_title(ctx, st), ""]
        lines += [self.review_line(ctx, st, c, assessment.answers.get(c.id)) for c in assessment.criteria]
        lines += ["", *self.review_footer(ctx, st)]
        missing = assessment.missing()
        if missing:
            lines.append(self.wording.review_missing.format(count=len(missing), ids=", ".join(missing)))
        buttons = rows(Button(self.wording.submit_button, self.nav(Step.SUBMIT)),
                       Button(messages.BTN_EDIT, self.nav(Step.EDIT)),
                       Button(messages.BTN_CONTINUE, self.nav(Step.CONTINUE)), *self.review_buttons(ctx, st))
        return Reply("\n".join(lines), buttons=buttons)

    def confirm(self, ctx: Ctx, st: S) -> Reply:
        return Reply(self.confirm_text(ctx, st),
                     buttons=((Button(messages.BTN_CONFIRM_SUBMIT, self.nav(Step.CONFIRM)),
                               Button(messages.BTN_CANCEL_SUBMIT, self.nav(Step.CANCEL_SUBMIT))),))

    def nav_rows(self, help_hidden: bool = False) -> list[tuple[Button, ...]]:
        """Back / skip, then the question list / review: the same four everywhere (and the
        instructions button when they are not on the screen)."""
        return list(_nav_rows(self.prefix, help_hidden))

    def how(self, st: S, kind: str, text: str) -> str | None:
        """The instructions for this kind of question: on the first question of that kind in this
        flow (and when asked for), otherwise None and they wait behind the instructions button."""
        first = st.helped.setdefault(kind, st.criterion)
        return text if first == st.criterion or st.help_open else None

    @staticmethod
    def carry(st: QuestionnaireState | None) -> dict[str, Any]:
        """What a question's state passes on to the next question's."""
        return {"helped": dict(st.helped)} if st is not None else {}

    def screen_key(self, st: S) -> str:
        return QuestionScreen(self.prefix, self.scope(st), st.criterion).pack()

    def answered(self, st: S, line: Reply) -> Reply:
        """A one-line note shown in place of the question `st` is on (its buttons gone)."""
        return dataclasses.replace(line, replace_previous=True, replaces=self.screen_key(st))

    def nav(self, step: Step) -> str:
        return Nav(self.prefix, step).pack()

    def listing(self, ctx: Ctx, st: S) -> Reply:
        assessment = self.assessment(ctx, st)
        buttons = [
            (Button(f"{'✅' if c.id in assessment.answers else '⬜'} {c.id}. {short(c.title, 40)}",
                    Jump(self.prefix, c.id).pack()),)
            for c in assessment.criteria
        ]
        buttons.append((Button(messages.BTN_REVIEW, self.nav(Step.REVIEW)),))
        return Reply(self.wording.list_title, buttons=tuple(buttons))

    def stale(self, ctx: Ctx, st: S | None, criterion: str) -> list[Reply] | None:
        """None when a button of question `criterion` is pressed while that question is on screen."""
        if st is not None and st.mode is Mode.QUESTION and st.criterion == criterion:
            return None
        return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]

    def first_open(self, ctx: Ctx, st: S) -> str:
        answers = self.assessment(ctx, st).answers
        return next((cid for cid in self.ids(ctx, st) if cid not in answers), st.criterion)

    # --- the walk ------------------------------------------------------------------------------------

    def advance(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.to_review:
            st.mode = Mode.REVIEW
            return [self.review(ctx, st)]
        ids = self.ids(ctx, st)
        index = ids.index(st.criterion)
        if index + 1 < len(ids):
            return [self.show(ctx, self.enter(ctx, st, ids[index + 1]))]
        st.mode, st.to_review = Mode.REVIEW, True
        complete = not self.assessment(ctx, st).missing()
        review = self.review(ctx, st)
        if self.wording.all_done_only_when_complete and not complete:
            return [review]
        return [dataclasses.replace(review, text=f"{self.wording.all_done}\n\n{review.text}")]

    def jump(self, ctx: Ctx, st: S, criterion: str) -> list[Reply]:
        if criterion not in self.ids(ctx, st):
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        return [replace(self.show(ctx, self.enter(ctx, st, criterion, to_review=st.to_review)))]

    def _back(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.QUESTION:
            return [replace(self.show(ctx, self.enter(ctx, st, st.criterion)))]
        ids = self.ids(ctx, st)
        index = ids.index(st.criterion)
        if index == 0:
            return [Reply(self.wording.first_question), self.show(ctx, st)]
        return [replace(self.show(ctx, self.enter(ctx, st, ids[index - 1])))]

    def _skip(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.QUESTION:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        criterion = self.criterion(ctx, st)
        try:
            self.assessment(ctx, st).skip(st.criterion)
        except AssessmentLocked:
            return self.locked(ctx, st)
        skipped = Reply(messages.QUESTION_SKIPPED.format(criterion=criterion.id, title=short(criterion.title, 60)))
        return [self.answered(st, skipped), *self.advance(ctx, st)]

    def _list(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode = Mode.LIST
        return [replace(self.listing(ctx, st))]

    def _review(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode, st.to_review = Mode.REVIEW, True
        return [replace(self.review(ctx, st))]

    def _edit(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode, st.to_review = Mode.LIST, True
        return [replace(self.listing(ctx, st))]

    def _continue(self, ctx: Ctx, st: S) -> list[Reply]:
        return [replace(self.show(ctx, self.enter(ctx, st, self.first_open(ctx, st))))]

    def _submit(self, ctx: Ctx, st: S) -> list[Reply]:
        missing = self.assessment(ctx, st).missing()
        if missing:
            st.mode = Mode.REVIEW
            # The review with its buttons is still on screen: only what stands in the way.
            return [Reply(self.wording.submit_blocked.format(count=len(missing), ids=", ".join(missing)))]
        st.mode = Mode.CONFIRM
        return [replace(self.confirm(ctx, st))]

    def _confirm(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.CONFIRM:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        assessment = self.assessment(ctx, st)
        try:
            assessment.submit(by=_user_id(ctx), at=ctx.now)
        except MissingRequired:
            return self._submit(ctx, st)
        except AssessmentLocked:
            return self.locked(ctx, st)
        return self.submitted(ctx, st, assessment)

    def _help(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.QUESTION:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        st.help_open = True
        return [replace(self.show(ctx, st))]

    def _cancel_submit(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode = Mode.REVIEW
        return [replace(self.review(ctx, st))]

    _STEPS: ClassVar[dict[Step, Callable[[Any, Ctx, Any], list[Reply]]]] = {
        Step.BACK: _back,
        Step.SKIP: _skip,
        Step.LIST: _list,
        Step.REVIEW: _review,
        Step.EDIT: _edit,
        Step.CONTINUE: _continue,
        Step.SUBMIT: _submit,
        Step.CONFIRM: _confirm,
        Step.CANCEL_SUBMIT: _cancel_submit,
        Step.HELP: _help,
    }

    # --- which question a typed answer means -----------------------------------------------------------

    def _seen_question(self, ctx: Ctx, st: S) -> str | None:
        """The question the user last saw, when the channel says it differs from the state's.

        A reply can be on its way (or lost) while the user types: the answer is meant for the
        question on their screen, never for one they have not been shown.
        """
        shown = QuestionScreen.unpack(self.prefix, ctx.shown_screen)
        if shown is None or shown.scope != self.scope(st) or shown.criterion == st.criterion:
            return None
        return shown.criterion if shown.criterion in self.ids(ctx, st) else None

    def _answer_seen(self, ctx: Ctx, where: S, seen: str, text: str) -> list[Reply]:
        at_seen = self.enter(ctx, where, seen, to_review=where.to_review)
        criterion = self.assessment(ctx, at_seen).criterion(seen)
        outcome = self.answer(ctx, at_seen, criterion, text)
        if not isinstance(outcome, Saved):
            # Not stored: the user is asked that question again, and is now on it.
            return self.respond(ctx, at_seen, criterion, outcome, text)
        # Stored: that question becomes its confirmation, and the user is back where they are.
        line = self.answered(at_seen, self.confirmation(ctx, at_seen, criterion, outcome))
        self.enter(ctx, where, where.criterion, to_review=where.to_review)
        return [line, *self.current_screen(ctx)]


@functools.cache
def _nav_rows(prefix: str, help_hidden: bool) -> tuple[tuple[Button, ...], ...]:
    """A flow's navigation buttons: the same on every question, so made once."""
    def nav(step: Step) -> str:
        return Nav(prefix, step).pack()

    rows_: list[tuple[Button, ...]] = [
        (Button(messages.BTN_BACK, nav(Step.BACK)), Button(messages.BTN_SKIP, nav(Step.SKIP))),
        (Button(messages.BTN_LIST, nav(Step.LIST)), Button(messages.BTN_REVIEW, nav(Step.REVIEW))),
    ]
    if help_hidden:
        rows_.append((Button(messages.BTN_INSTRUCTIONS, nav(Step.HELP)),))
    return tuple(rows_)


def _user_id(ctx: Ctx) -> int:
    assert ctx.user.id is not None
    return ctx.user.id


__all__ = ["QuestionBody", "Questionnaire", "Wording", "group_line", "replace", "short"]
