"""The study-details vocabulary and the fixed patterns config/details.yml is read with: the
comparator, harm and funding slugs, drugs and units, the dose and number patterns, and the
names the loader checks (harvest.tagging.details_config)."""

from __future__ import annotations

import re

COMPARATORS = ("placebo", "active-placebo", "active-drug", "active-non-drug", "waitlist",
               "usual-care", "dose-comparison")  # fmt: skip
SAFETY = ("dissociation", "cardiovascular", "hyponatremia", "abuse-liability",
          "suicidality-safety", "psychotic-symptoms", "urological", "hepatic", "nausea-vomiting",
          "headache", "serious-adverse-events", "general-tolerability")  # fmt: skip
SAFETY_SETTINGS = ("harm_context", "bare_safety", "scope_designs", "review_scope",
                   "not_reported", "suicidality_target_condition", "title_targets",
                   "intended_effects")  # fmt: skip
FUNDING = ("industry", "public", "mixed", "unknown")
DRUGS = ("ketamine", "esketamine", "arketamine", "psilocybin", "mdma")
UNITS = ("mg/kg", "mg", "\u00b5g/kg")
NUMBER = (r"\d+|one|single|a single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
          r"thirteen|fourteen|fifteen|sixteen|eighteen|twenty-four|twenty")  # fmt: skip
# "0.5", ".5"; never the end of an allocation ratio ("randomised 1:1:1 to 4 mg/kg")
NUM = r"(?:(?<![\d.:])\d+(?:\.\d+)?|(?<![\d.:])\.\d+)"
# Words that cannot stand between a number and its session word ("six weeks of infusions").
# Not straight after the number: a unit of time or of dose ("six weeks of infusions", "a 25 mg
# dose"); later it may stand ("three 8-hour sessions", "two 25-mg psilocybin sessions").
TIME_UNIT = (
    r"(?:weeks?|days?|months?|hours?|minutes?|mins?|hrs?|h|years?|mg|mcg|\u00b5g|g|ml|%)(?![\w])"
)
# ("one group session with psilocybin": "group" may stand before a session word)
GAP_STOP = (r"(?:of|per|and|or|to|with|after|before|every|each|the|in|at|for|on|from|than|"
            r"patients?|participants?|subjects?|groups?(?!\s+(?:[\w-]+\s+)?sessions?\b)|arms?|"
            r"completed|received|had|attended|underwent|were|was|who)\b")  # fmt: skip
# "45 (very low), 115 (low) ... micrograms/kg": a dose level's name between the numbers.
LEVEL = r"(?:\s*\((?:very )?(?:low|lower|medium|moderate|intermediate|high|higher)(?: dose)?\))?"
# "0.5 mg/kg", "56 or 84 mg", "10 mg/70 kg", "0.5 mg/kg/h" (a rate: the code drops it).
DOSE = (
    rf"(?P<nums>{NUM}{LEVEL}(?:\s*(?:-|\u2013|to|,|and|or)\s*{NUM}{LEVEL})*)(?:\s*|-)"
    r"(?P<unit>mg\s*/\s*kg|mg\s*[\u00b7.]?\s*kg\s*[-\u2212\u2013]\s*1|"
    r"(?:\u00b5|\u03bc|u|mc|micro)g(?:rams?)?\s*/\s*kg|mg)\b"
    r"(?P<per>\s*(?:/|per)\s*(?:70\s*kg|kg|h|hr|hour|min|minute|day|d|week|wk)\b)?"
)
FUNDED_BY = (
    r"\b(?i:fund(?:ed|ing)|support(?:ed)?|sponsor(?:ed)?|financ\w+)\s+(?:\w+\s+){0,3}?(?:by|from)"
    r"\s+(?:the\s+|a\s+|an\s+)?[A-Z]|\b(?i:funding)\s*:|\bgrants?\s+from\b"
    r"|\bgrant (?:number|no\.?)\b"
)
# Classes of drugs ("antidepressant-like doses"): no dose is read as theirs.
DRUG_CLASSES = frozenset({"ssri", "ssris", "snri", "snris", "antidepressant", "antidepressants",
                          "antipsychotic", "antipsychotics", "opioid", "opioids", "benzodiazepine",
                          "benzodiazepines", "nsaid", "nsaids"})  # fmt: skip
TERM = re.compile(r"\{([a-z_]+)\}")  # a `terms` name in a pattern ("{comparator_drugs}")
# The named groups the sessions code reads from these patterns, checked at load.
SESSION_GROUPS = {"next_session": ("ord",), "last_ordinal": ("ord",), "first_second": ("what",),
                  "course_after": ("n",), "times_given": ("n",), "crossover_periods": ("n",),
                  "dosing_days": ("days",),
                  "interval": ("every", "fortnight", "month", "span", "unit"),
                  "conditions": ("n", "n2", "plus")}  # fmt: skip
# The named checks of `comparator_checks` (details.py reads them), each a pattern.
COMPARATOR_CHECKS = ("dose_series", "dose_range", "range_not_arms", "pooled_doses", "not_pooled",
                     "searched", "stated_against", "waitlist_named", "therapy_both_arms",
                     "therapy_alone", "blinder_dose", "care_named")  # fmt: skip
PERSONAL_COI = (
    r"\b(?:has|have) received|consult|advisory|speaker|honorari|stock|shares|equity|royalt|"
    r"personal fees|employee of|board member|patent"
)
