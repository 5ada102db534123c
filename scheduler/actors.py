"""Who acts (行为人): every service takes an `Actor` and checks its scope itself.

An actor is a logged-in user (`Actor.from_user`) or a named system actor with full rights
(`Actor.system("cli")`, used by the command line, the demo loader and tests). The audit
log records the actor's name, and its role in each event's payload (`actor_role`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.models import Role, User

SYSTEM = "system"  # a named system actor: the command line, a script; full rights
ANONYMOUS = "anonymous"  # nobody logged in: what a failed login records


@dataclass(frozen=True)
class Actor:
    """A user acting with his or her role's rights, scoped to a body or an officer.

    `role` is a `Role` value, `SYSTEM` or `ANONYMOUS`; `body` the code of a planner's (or
    an officer's) body; `cert_no` an officer's certificate number (执法证号).
    """

    name: str
    role: str
    body: str | None = None
    cert_no: str | None = None

    @classmethod
    def system(cls, name: str = "cli") -> Actor:
        return cls(name, SYSTEM)

    @classmethod
    def anonymous(cls, name: str) -> Actor:
        """Somebody not logged in, by the name he or she gave (at most 64 characters)."""
        return cls(name[:64], ANONYMOUS)

    @classmethod
    def from_user(cls, user: User) -> Actor:
        return cls(
            user.username,
            user.role,
            user.body.code if user.body is not None else None,
            user.officer.cert_no if user.officer is not None else None,
        )

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM

    def has_role(self, *roles: Role | str) -> bool:
        """Whether the actor has one of `roles`; a system actor has them all."""
        return self.is_system or self.role in {str(r) for r in roles}
