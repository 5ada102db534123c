"""Plan services (抽查计划): the lifecycle draft -> frozen -> drawn -> matched -> scheduled ->
published -> closed, one module per concern. Import the module you need; this package
imports none of them, so that each can import its siblings without a circle.

- `core`: get_plan, require_plan (load and authorize), require_state, shared helpers
- `plan_file`: the plan file's schema; `create`: validate_plan, create_plan
- `draw`: freeze, set_seed, draw, frozen_population, bundle, commitment
- `eligibility`: who may take an inspection, and why not (shared by match and recusal)
- `matching`: match, build_problem, audit_export; `recusal`: replace_member,
  remove_unavailable; `scheduling`: schedule
- `public`: publish, and what the public may see (is_public, public_plan, public_bundle)
- `queries`: summary, inspection counts, teams, short teams (reads for pages)

Each transition takes a session, the plan code and the actor, validates, mutates, writes
its typed audit event in the same transaction and never commits.
"""
