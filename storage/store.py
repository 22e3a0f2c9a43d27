"""Frontline's storage: one database and the repositories over it (`store.needs.create(...)`),
each named for what it holds, its functions for what they answer, returning plain rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from storage.audit import Audit
from storage.branches import Branches, Defaults
from storage.broadcasts import Broadcasts
from storage.checkins import Checkins
from storage.coverage import Coverage
from storage.db import Database
from storage.digest import Digest
from storage.duty import Duty
from storage.followups import Followups
from storage.household_imports import HouseholdImports
from storage.households import Households
from storage.invites import Invites
from storage.moves import Moves
from storage.needs import Needs
from storage.outbox import Outbox
from storage.people import People
from storage.records import Records
from storage.rollup import Rollup
from storage.runs import Runs
from storage.schedule import Schedules
from storage.tasks import Tasks
from storage.teams import Teams
from storage.zones import Zones

__all__ = ["Defaults", "Store"]


class Store:
    """One database, and the repositories that read and write it."""

    def __init__(self, path: str | Path, defaults: Defaults | None = None) -> None:
        self.db = db = Database(path)
        self.defaults = defaults or Defaults()
        self.branches = Branches(db, self.defaults)
        self.people = People(db, self.defaults)
        self.moves = Moves(db)
        self.invites = Invites(db, self.moves)
        self.checkins = Checkins(db)
        self.rollup = Rollup(db)
        self.audit = Audit(db)
        self.outbox = Outbox(db)
        self.broadcasts = Broadcasts(db)
        self.needs = Needs(db)
        self.teams = Teams(db)
        self.tasks = Tasks(db)
        self.followups = Followups(db)
        self.schedules = Schedules(db, self.defaults)
        self.runs = Runs(db)
        self.digest = Digest(db)
        self.records = Records(db)
        self.zones = Zones(db)
        self.households = Households(db)
        self.household_imports = HouseholdImports(db)
        self.coverage = Coverage(db)
        self.duty = Duty(db)

    async def initialize(self, *, migrate: bool = True, create: bool = True) -> None:
        """Open the database and bring its schema up to date (see `Database.initialize`); with
        `migrate`, also finish a household import a dead process left decided (and drop one it
        left staging), see `storage.household_imports`."""
        await self.db.initialize(migrate=migrate, create=create)
        if migrate:
            # A household import that a dead process had decided is finished now.
            for done in await self.household_imports.finish():
                await self.audit.record(
                    done.actor_id, "households_import", branch_id=done.branch_id, allowed=True,
                    detail={"created": done.created, "updated": done.updated,
                            "file": done.file, "recovered": True},
                    at=datetime.fromisoformat(done.at))

    async def shutdown(self) -> None:
        """Close the database."""
        await self.db.shutdown()

    def __getattr__(self, name: str) -> Any:  # TEMPORARY facade: the old flat names
        if name in _OLD:
            repo, new = _OLD[name]
            return getattr(getattr(self, repo), new)
        raise AttributeError(name)


# TEMPORARY facade (removed once the call sites are rewritten): old name -> repository.
_OLD: dict[str, tuple[str, str]] = {
    "create_branch": ("branches", "create"),
    "branch": ("branches", "get"),
    "root_branches": ("branches", "roots"),
    "subtree": ("branches", "subtree"),
    "whole_tree": ("branches", "whole_tree"),
    "is_within": ("branches", "is_within"),
    "branch_count": ("branches", "count"),
    "link_group": ("branches", "link_group"),
    "unlink_group": ("branches", "unlink_group"),
    "branch_of_group": ("branches", "of_group"),
    "group_chats": ("branches", "group_chats"),
    "person": ("people", "get"),
    "save_person": ("people", "save"),
    "set_language": ("people", "set_language"),
    "set_reachable": ("people", "set_reachable"),
    "set_membership": ("people", "set_membership"),
    "contacts": ("people", "contacts"),
    "members_in_subtree": ("people", "in_subtree"),
    "secretaries": ("people", "secretaries"),
    "branch_secretaries": ("people", "branch_secretaries"),
    "secretaries_of": ("people", "secretaries_of"),
    "create_invite": ("invites", "create"),
    "invite": ("invites", "get"),
    "join_with_invite": ("invites", "join"),
    "move_member": ("moves", "move_member"),
    "record_checkin": ("checkins", "record"),
    "set_checkin_note": ("checkins", "set_note"),
    "checkin": ("checkins", "get"),
    "checkin_days": ("checkins", "days"),
    "latest_status": ("checkins", "latest_status"),
    "roster": ("rollup", "roster"),
    "own_roster": ("rollup", "own_roster"),
    "status_rollup": ("rollup", "status"),
    "audit_entries": ("audit", "entries"),
    "enqueue": ("outbox", "enqueue"),
    "enqueue_at_most_every": ("outbox", "enqueue_at_most_every"),
    "pending_outbox": ("outbox", "pending"),
    "record_outbox": ("outbox", "record"),
    "create_broadcast": ("broadcasts", "create"),
    "broadcast": ("broadcasts", "get"),
    "recent_broadcasts": ("broadcasts", "recent"),
    "broadcast_counts": ("broadcasts", "counts"),
    "set_broadcast_status_message": ("broadcasts", "set_status_message"),
    "pending_through": ("broadcasts", "pending_through"),
    "finish_broadcast": ("broadcasts", "finish"),
    "unfinished_broadcasts": ("broadcasts", "unfinished"),
    "problem_recipients": ("broadcasts", "problem_recipients"),
    "recipients": ("broadcasts", "recipients"),
    "is_recipient": ("broadcasts", "is_recipient"),
    "acknowledge": ("broadcasts", "acknowledge"),
    "unacknowledged": ("broadcasts", "unacknowledged"),
    "create_need": ("needs", "create"),
    "need": ("needs", "get"),
    "set_need_status": ("needs", "set_status"),
    "needs_in_subtree": ("needs", "in_subtree"),
    "needs_of_reporter": ("needs", "of_reporter"),
    "critical_needs_not_escalated": ("needs", "critical_not_escalated"),
    "create_team": ("teams", "create"),
    "add_team_member": ("teams", "add_member"),
    "remove_team_member": ("teams", "remove_member"),
    "delete_team": ("teams", "delete"),
    "create_task": ("tasks", "create"),
    "task": ("tasks", "get"),
    "assignments": ("tasks", "assignments"),
    "assignment": ("tasks", "assignment"),
    "open_tasks_of": ("tasks", "open_of"),
    "answer_assignment": ("tasks", "answer_assignment"),
    "finish_assignment": ("tasks", "finish_assignment"),
    "close_task": ("tasks", "close"),
    "set_answer_within": ("followups", "set_answer_within"),
    "assignees_to_follow": ("followups", "assignees_to_follow"),
    "record_followups": ("followups", "record"),
    "followups_of": ("followups", "of"),
    "schedule_settings": ("schedules", "settings"),
    "set_schedule_setting": ("schedules", "set_setting"),
    "own_times": ("schedules", "own_times"),
    "branch_targets": ("schedules", "branch_targets"),
    "branch_rate": ("schedules", "branch_rate"),
    "runs_since": ("runs", "since"),
    "run_times": ("runs", "times"),
    "runs_of": ("runs", "of"),
    "record_runs": ("runs", "record"),
    "record_piece": ("runs", "record_piece"),
    "digest_rollup": ("digest", "rollup"),
    "digest_people": ("digest", "people"),
    "digest_open_needs": ("digest", "open_needs"),
    "digest_declines": ("digest", "declines"),
    "digest_acks": ("digest", "acks"),
    "find_members": ("records", "find_members"),
    "add_conduct": ("records", "add_conduct"),
    "conduct_entries": ("records", "conduct_entries"),
    "record_figures": ("records", "figures"),
    "zone_named": ("zones", "named"),
    "add_zone": ("zones", "add"),
    "rename_zone": ("zones", "rename"),
    "remove_zone": ("zones", "remove"),
    "zone_by_id": ("zones", "get"),
    "upsert_households": ("households", "upsert"),
    "branch_households": ("households", "of_branch"),
    "household_named": ("households", "named"),
    "remove_household": ("households", "remove"),
    "member_households": ("households", "of_member"),
    "zone_households": ("households", "of_zone"),
    "household": ("households", "get"),
    "record_visit": ("households", "record_visit"),
    "household_visits": ("households", "visits"),
    "member_household_intervals": ("households", "of_member_with_intervals"),
    "write_household_import": ("household_imports", "write"),
    "stage_household_import": ("household_imports", "stage"),
    "household_import": ("household_imports", "get"),
    "apply_household_import": ("household_imports", "apply"),
    "finish_household_imports": ("household_imports", "finish"),
    "coverage_rollup": ("coverage", "rollup"),
    "zone_coverage": ("coverage", "zones"),
    "uncovered_households": ("coverage", "uncovered_households"),
    "households_to_visit": ("coverage", "households_to_visit"),
    "off_duty_holders": ("duty", "off_duty_holders"),
    "off_duty_member": ("duty", "off_duty_member"),
    "handover_candidates": ("duty", "handover_candidates"),
    "hand_over": ("duty", "hand_over"),
    "return_households": ("duty", "return_households"),
    "set_away": ("duty", "set_away"),
    "duty_state": ("duty", "state"),
}

