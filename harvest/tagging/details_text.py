"""The text side of study details: sentences with roles, and rules that run only where they can.

Every rule of config/details.yml is compiled with the literal strings any match must contain
(read from the pattern's parse tree, harvest.tagging.literals): up to MAX_PARTS sets, a
match holding one literal of each ("ketamine ... versus placebo": a drug name and "placebo").
`RuleSet` puts all of them in one Aho-Corasick automaton (pyahocorasick); `Text` runs it once
over a record's lower-cased sentences, so a rule's regular expression is tried only on the
sentences holding one literal of each of its sets. Any digit counts as a literal ("6 infusions"
as "six infusions"), found by one search of a sentence that holds a rule with a digit part. A
few costly rules also search the lower-cased sentence with a case-sensitive twin first
(harvest.tagging.details_fold); a rule whose every match opens with a literal is searched
from where that literal first stands in it. Sentences come from the tagger's own splitter
(harvest.tagging.context).
"""

from __future__ import annotations

import re
from itertools import chain
from operator import itemgetter
from re import _constants as _sre
from re import _parser
from typing import NamedTuple

import ahocorasick

from harvest.tagging.context import _sections, _split_sentences, label_role
from harvest.tagging.details_fold import twin
from harvest.tagging.literals import (
    DIGIT,
    ZERO_WIDTH,
    leading_literal,
    literal_parts,
    lowered_parts,
)

DIGITS = re.compile(r"\d")  # what a DIGIT of a rule's literals stands for
# An unstructured abstract's sentences before its aim statement are background.
AIM = re.compile(
    r"\b(?:we (?:therefore |then |here |now |also |first )?(?:aimed|sought|investigated|examined|"
    r"evaluated|assessed|tested|compared|report|describe|conducted|performed|randomi[sz]ed|"
    r"enrolled|present|measured|studied|analy[sz]ed|explored|hypothesi[sz]ed|tried|set out|"
    r"interviewed|pooled|reviewed|surveyed|recruited|gave|administered|asked|used)|"
    r"this (?:study|trial|review|"
    r"analysis|paper|report)|the (?:aim|objective|purpose|goal)|here,? we|our (?:aim|objective)|"
    r"aimed to|(?:was|were) randomi[sz]ed|in this)\b",
    re.I,
)
AIM_WITHIN = 4  # an aim statement this many sentences in makes the ones before it background
STUDY_WORDS = re.compile(
    r"\b(?:we|this|here|our|participants|patients were|randomi[sz]ed|enrolled|received|"
    r"trial|study|studies)\b",
    re.I,
)
# A sentence before the aim statement that still describes this study ("In a double-blind
# crossover study, 32 volunteers received MDMA and placebo").
OWN_STUDY = re.compile(
    r"\b(?:we|our|this|here|present|received|(?:were|was) (?:randomi[sz]ed|assigned|allocated|"
    r"enrolled|recruited|given|treated))\b|^in an? (?:[\w-]+,? ){0,8}?(?:study|trial|design)\b",
    re.I,
)
# A sentence of a BACKGROUND section that describes this study ("This randomised, double-blind
# trial examined different doses of esketamine ..."): read as methods.
THIS_STUDY = re.compile(
    r"^(?:in )?(?:this|the present|our) (?:[\w,-]+ ){0,6}?(?:trial|study|experiment)\b"
    r"(?! (?:is|was) (?:needed|warranted|important|necessary|timely))",
    re.I,
)
_RIDS = itemgetter(1)  # an automaton hit is (end, rule numbers)
ROLE_OF = {"exclusion": "methods"}  # the tagger's roles that details reads as another
_new = tuple.__new__  # Sentence(...) without the named tuple's Python-level __new__


class Rule(NamedTuple):
    """A compiled pattern, its number in the rule set, whether it must run everywhere, its
    case-sensitive twin for lower-cased ASCII sentences (details_fold; None: it has none), and
    else the lower-cased literal its every match opens with (None: not known)."""

    pattern: re.Pattern
    rid: int
    always: bool
    folded: re.Pattern | None = None
    lead: str | None = None


class Group(NamedTuple):
    """A slug's patterns, each a rule, and the group's own number in the rule set."""

    rules: tuple[Rule, ...]
    rid: int
    always: bool


class RuleSet:
    """Collects the rules of one configuration, then builds their shared automaton."""

    def __init__(self):
        self.literals: dict[str, list[int]] = {}
        self.needs: dict[int, tuple[int, ...]] = {}  # a rule: the numbers of its other parts
        self.digits: set[int] = set()  # the numbers of the parts any digit stands for
        self.count = 0

    def add(self, pattern: str, flags: int = re.I, indexed: bool = True, fold=False) -> Rule:
        """Compile `pattern` (re.error propagates) and register its literals, each part's under
        a number of its own (the first part's is the rule's); a rule that is only ever tried on
        a few sentences another rule found is not `indexed`; one to `fold` gets a case-sensitive
        twin (details_fold), when its pattern allows."""
        compiled = re.compile(pattern, flags)
        tree = _parser.parse(pattern) if indexed or fold else None  # parsed once, read twice
        parts = literal_parts(pattern, tree) if indexed else []
        keys = list(range(self.count, self.count + max(1, len(parts))))
        self.count += len(keys)
        for key, found in zip(keys, parts, strict=False):
            for literal in found:
                if literal == DIGIT:
                    self.digits.add(key)
                else:
                    self.literals.setdefault(literal, []).append(key)
        if len(keys) > 1:
            self.needs[keys[0]] = tuple(keys[1:])
        folded = twin(pattern, flags, tree) if fold else None
        lead = leading_literal(tree) if tree is not None and folded is None else None
        return Rule(compiled, keys[0], not parts, folded, lead)

    def group(self, patterns: list[str], fold=False) -> Group:
        """One rule per pattern, plus a number for the group: where any of them can match (each
        rule to `fold` if the group is: RuleSet.add)."""
        rules = tuple(self.add(pattern, fold=fold) for pattern in patterns)
        gid = self.count
        self.count += 1
        for rids in self.literals.values():
            if any(r.rid in rids for r in rules):
                rids.append(gid)
        if any(r.rid in self.digits for r in rules):
            self.digits.add(gid)
        return Group(rules, gid, any(r.always for r in rules))

    def automaton(self) -> ahocorasick.Automaton:
        """The automaton of every registered literal, each mapped to its rules' numbers."""
        automaton = ahocorasick.Automaton()
        for literal, rids in self.literals.items():
            automaton.add_word(literal, frozenset(rids))  # merged by set.union unhashed
        if self.literals:
            automaton.make_automaton()
        return automaton

    def index(self) -> Index:
        """What `Text` reads a record with: the automaton, each rule's other parts, the parts a
        digit stands for, and the rules that have such a part."""
        parts = frozenset(chain.from_iterable(self.needs.values()))
        counting = frozenset(r for r, others in self.needs.items() if self.digits & set(others))
        return Index(
            self.automaton(),
            self.needs,
            frozenset(self.digits),
            parts,
            # a digit that is a rule's own first part: every sentence is searched for digits
            counting if self.digits <= parts else None,
            frozenset(self.needs),
        )


class Index(NamedTuple):
    """A RuleSet, built for `Text`: `parts` are the numbers of the rules' other parts (only
    ever looked at in `needs`), `counting` the rules with a digit part (None: every rule)."""

    automaton: ahocorasick.Automaton
    needs: dict[int, tuple[int, ...]]
    digits: frozenset[int]
    parts: frozenset[int]
    counting: frozenset[int] | None
    parted: frozenset[int]  # the rules with other parts (needs' keys)


class Gated:
    """One of the extractors' own patterns (outside the automaton), searched only in text
    holding, for one of its top-level alternatives, a literal of each of that alternative's
    parts (lower-cased, as the automaton reads): a handful of `in` tests cost less than a
    search that finds nothing."""

    def __init__(self, pattern: str, flags: int = re.I):
        self.pattern = re.compile(pattern, flags)
        items = [(op, av) for op, av in _parser.parse(pattern) if op not in ZERO_WIDTH]
        branches = items[0][1][1] if len(items) == 1 and items[0][0] is _sre.BRANCH else [items]
        gate = [[p for p in lowered_parts(branch) if DIGIT not in p] for branch in branches]
        # no gate when an alternative has no literal part: it may match anywhere
        self.gate = None if [] in gate else [[sorted(p, key=len) for p in alt] for alt in gate]

    def holds(self, text: str) -> bool:
        """Whether `text` may hold a match."""
        if self.gate is None:
            return True
        holds = text.lower().__contains__
        for alternative in self.gate:  # plain loops: generators here cost more than they save
            for part in alternative:
                if not any(map(holds, part)):  # a part's literals tried in C, no Python frame
                    break
            else:
                return True
        return False

    def search(self, text: str) -> re.Match | None:
        return self.pattern.search(text) if self.holds(text) else None

    def sub(self, repl: str, text: str) -> str:
        return self.pattern.sub(repl, text) if self.holds(text) else text


# An aim stated inside a BACKGROUND or CONTEXT section ("They asked whether sub-dissociative
# doses of ketamine, 0.3 mg/kg, control pain"): read as the objective.
AIM_STATED = Gated(
    r"\b(?:we|the authors|they) (?:therefore |then |here |now |also |first )?(?:aimed|sought|"
    r"asked|tested|investigated|examined|evaluated|assessed|compared|hypothesi[sz]ed|set out)\b"
    r"|\b(?:the )?(?:aim|objective|purpose|goal) (?:of (?:this|the present|our) (?:study|trial)|"
    r"was|is) to\b"
)


class Sentence(NamedTuple):
    source: str  # title | abstract | coi
    role: str
    text: str


def sentences(record: dict) -> list[Sentence]:
    """The record's sentences with their roles: title, abstract sections, COI statement."""
    out = [Sentence("title", "title", record["title"])] if record.get("title") else []
    for text, label, category in _sections(record):
        role = label_role(label, category) if (label or category) else "body"
        role = ROLE_OF.get(role, role)
        parts = [p.strip() for p in _split_sentences(text)]
        parts = [p for p in parts if p]
        background = set()
        # an unlabelled abstract may open with background; a labelled section ("EXPERT
        # OPINION", "AREAS COVERED": UNASSIGNED, so "body") says what its label says
        if role == "body" and not label and len(parts) > 2:
            aim = next((i for i, p in enumerate(parts[: AIM_WITHIN + 1]) if AIM.search(p)), None)
            if aim:  # before the aim statement, unless a sentence speaks of this study
                background = {i for i in range(aim) if not OWN_STUDY.search(parts[i])}
            elif aim is None and not STUDY_WORDS.search(parts[0]):
                background = {0}
        if background or role == "background":
            out.extend(
                _new(Sentence, ("abstract", _role(role, i in background, p), p))
                for i, p in enumerate(parts)
            )
        else:  # no sentence of the section changes its role
            out.extend([_new(Sentence, ("abstract", role, p)) for p in parts])
    for text in _split_sentences(record.get("coi_statement") or ""):
        for clause in text.split("; "):  # "funded by X; authors are employees of X"
            if clause.strip():
                out.append(Sentence("coi", "meta", clause.strip()))
    return out


def _role(role: str, background: bool, sentence: str) -> str:
    if background:
        return "background"
    if role == "background" and AIM_STATED.search(sentence):
        return "objective"  # "We therefore tested esketamine added to ..." in BACKGROUND
    return "methods" if role == "background" and THIS_STUDY.search(sentence) else role


class Text:
    """A record's sentences and, per rule, the sentences where its literals occur (one of each
    of its parts: RuleSet.needs, a digit standing for the parts of RuleSet.digits)."""

    def __init__(self, sentences: list[Sentence], index: Index):
        self.sentences = sentences
        self.cache: dict = {}  # what a record's extractors work out once
        lower = [s.text.lower() for s in sentences]
        # what the rules' case-sensitive twins read (details_fold): ASCII sentences, lower-cased
        self.folded = [
            low if s.text.isascii() else None for s, low in zip(sentences, lower, strict=True)
        ]
        # per sentence, the rules whose literals it holds (RuleSet.needs: one of each part)
        self.at: list[set[int]] = []
        self.present: dict[int, list[int]] = {}  # per rule, the sentences where it can match
        if not len(index.automaton):
            self.at = [set() for _ in sentences]
            return
        scan = index.automaton.iter
        # every hit's rule numbers, gathered without a Python-level loop
        at = [set().union(*map(_RIDS, scan(low))) for low in lower]
        # one search of the whole record spares the sentences of most records theirs
        if index.digits and _has_digit("".join(lower)):
            digits, counting = index.digits, index.counting
            for rids, sentence in zip(at, sentences, strict=True):
                # digits matter only to a sentence holding a rule with a digit part
                if (counting is None or not rids.isdisjoint(counting)) and _has_digit(
                    sentence.text
                ):
                    rids |= digits
        # a rule with other parts is checked sentence by sentence only when the record holds
        # each of them somewhere (most do not); else it is dropped from every sentence at once
        seen = set().union(*at)
        needs = index.needs
        named = seen.intersection(index.parted)
        whole = {rid for rid in named if seen.issuperset(needs[rid])}
        if whole:
            for rids in at:
                for rid in rids.intersection(whole):
                    if not rids.issuperset(needs[rid]):
                        rids.discard(rid)  # one of its other parts is missing here
        # the parts' own numbers have done their work (set difference iterates rids)
        drop = index.parts.union(named.difference(whole)) if named else index.parts
        self.at = at = [rids - drop for rids in at]
        present = self.present
        for i, rids in enumerate(at):
            for rid in rids:
                where = present.get(rid)
                if where is None:
                    present[rid] = [i]
                else:
                    where.append(i)

    def where(self, rule: Rule | Group, among=None) -> list[int]:
        """Numbers of the sentences (of `among`, default all) where `rule` can match."""
        if rule.always:
            return list(range(len(self.sentences))) if among is None else sorted(among)
        found = self.present.get(rule.rid)
        if not found:
            return []
        return found if among is None else [i for i in found if i in among]

    def search(self, rule: Rule, i: int) -> re.Match | None:
        """`rule` searched in sentence `i` (None at once when its literals are absent)."""
        if not rule.always and rule.rid not in self.at[i]:
            return None
        start = _start(rule, self.folded[i])
        return None if start is None else rule.pattern.search(self.sentences[i].text, start)

    def finditer(self, rule: Rule, i: int):
        """`rule`'s matches in sentence `i`."""
        if not rule.always and rule.rid not in self.at[i]:
            return iter(())
        start = _start(rule, self.folded[i])
        return iter(()) if start is None else rule.pattern.finditer(self.sentences[i].text, start)

    def first(self, group: Group, i: int) -> re.Match | None:
        """The first match of the group's first rule that matches in sentence `i`, if any."""
        here, text, low = self.at[i], self.sentences[i].text, self.folded[i]
        for rule in group.rules:
            if rule.always or rule.rid in here:
                start = _start(rule, low)
                match = None if start is None else rule.pattern.search(text, start)
                if match is not None:
                    return match
        return None

    def matches(self, group: Group, i: int):
        """The first match of each of the group's rules in sentence `i`, in their order."""
        here, text, low = self.at[i], self.sentences[i].text, self.folded[i]
        for rule in group.rules:
            if rule.always or rule.rid in here:
                start = _start(rule, low)
                match = None if start is None else rule.pattern.search(text, start)
                if match is not None:
                    yield match

    def every_match(self, group: Group, i: int):
        """Every match of each of the group's rules in sentence `i`, rule by rule."""
        here, text, low = self.at[i], self.sentences[i].text, self.folded[i]
        for rule in group.rules:
            if rule.always or rule.rid in here:
                start = _start(rule, low)
                if start is not None:
                    yield from rule.pattern.finditer(text, start)

    def has(self, rule: Rule) -> bool:
        """Whether `rule` matches anywhere in the record."""
        return any(self.search(rule, i) for i in self.where(rule))


def _has_digit(text: str) -> bool:
    """Whether `text` holds a decimal digit (DIGITS): ten `in` tests, each a fast scan of
    the string, cost less than one search of it; a non-ASCII text may hold other digits."""
    for digit in "0123456789":
        if digit in text:
            return True
    return not text.isascii() and DIGITS.search(text) is not None


def _start(rule: Rule, folded: str | None) -> int | None:
    """Where `rule`'s first match can start in a sentence (None: nowhere): 0, or, in the lower-
    cased ASCII sentence `folded`, where its case-sensitive twin's first match starts, or else
    where its lead literal first stands (no match can start before it: lower-casing ASCII keeps
    every position); the rule searched from there finds the match it would find searching it
    all (a search from a position still sees the text before it: details_fold)."""
    if folded is None:
        return 0
    if rule.folded is not None:
        first = rule.folded.search(folded)
        return None if first is None else first.start()
    if rule.lead is None:
        return 0
    start = folded.find(rule.lead)
    return None if start < 0 else start
