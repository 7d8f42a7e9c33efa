"""Deadline reminders: the calendar (pure), who owes what (recipients), the scheduler and its job."""
