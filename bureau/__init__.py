"""The bureau's rules, free of any web framework or database.

What a county environmental protection bureau (环保局) decides, written so that it can be read
and tested without an application: who may see and change what (:mod:`bureau.access`), what a
valid registry record is (:mod:`bureau.registry`, :mod:`bureau.credit_code`,
:mod:`bureau.vocabulary`) and how import files are read (:mod:`bureau.importing`) (the synthetic
demo county lives apart, in :mod:`demo`). Spatial rules that need the bureau's codes: which
desk a complaint category goes to (:mod:`bureau.scope`), the default linking radii and fit
tables (:mod:`bureau.linking_defaults`), and the flags a complaint gets from what lies around
it (:mod:`bureau.complaint_flags`). Casework: the case snapshot (:mod:`bureau.cases`), its clocks
(:mod:`bureau.deadlines`), the lifecycle engine on :mod:`bureau.lifecycle`
(:mod:`bureau.casework`, refusals in :mod:`bureau.case_errors`), supervision and escalation
(:mod:`bureau.supervision`), repeat complainants (:mod:`bureau.repeat_complainants`),
statistics (:mod:`bureau.case_stats`) and who sees a complainant
(:mod:`bureau.complainant_privacy`). Outreach (下访): rounds, must-visit rosters, shortlists,
visit review and coverage (:mod:`bureau.outreach`, refusals in :mod:`bureau.outreach_errors`).
Errors carry a code and an HTTP status but know nothing of HTTP (:mod:`bureau.errors`).

Imports allowed here: the standard library, shapely and :mod:`gis`. Nothing is imported eagerly
by this package, so ``import bureau.errors`` stays cheap.
"""
