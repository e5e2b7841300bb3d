"""Split a record's text into sentences with roles, and judge each taxonomy hit in its context.

A sentence's role says whether it describes the study itself: the title, keywords and the
objective, methods, results and conclusions of the abstract do ("strong"); background, sentences
about earlier work and calls for future research do not ("weak"); registration and funding
sections are ignored. A mention is dropped when it is negated or in exclusion criteria.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

from harvest.tagging.matcher import TOKEN, Hit, tokens_of
from harvest.tagging.sections import _lower, _sections, _split_sentences, label_role
from harvest.tagging.taxonomy import Taxonomy

STRONG_ROLES = frozenset(
    {"title", "keyword", "objective", "methods", "results", "conclusions", "body"}
)
# Sentences that say what this study delivered (a `delivered_only` modality counts only there).
DELIVERED_ROLES = frozenset({"title", "keyword", "objective", "methods", "results", "body"})
# "adults with chronic PTSD": the condition names the enrolled population (a provenance label).
POPULATION_BEFORE = re.compile(
    r"\b(?:with|diagnosed with|meeting criteria for|suffering from|had)\s+(?:[a-z-]+\s+){0,3}$"
)
# "used to treat depression and anxiety": a target named in an adverse-event sentence.
TARGET_BEFORE = re.compile(
    r"\b(?:treat|treats|treated|treating|treatment of|for)\s+(?:[a-z-]+\s+){0,3}$"
)
# "anxiety, suicidal ideation and adverse events were compared": an outcome listed beside them
OUTCOME_BESIDE_HARMS = re.compile(
    r"[a-z0-9 ,-]{0,60}?\band (?:adverse events|adverse effects|side effects|safety|tolerability)\b"
)
SEARCH_LIST_MIN = 3  # conditions in one search sentence that make it a list of search terms
BASELINE_GAP_WORDS = 2  # words between a `baseline` cue and the condition it qualifies
# "reduction from baseline in depression": a change measured, not a baseline covariate
BASELINE_GAP_STOP = frozenset({"in", "to", "on", "at", "through", "until", "for", "and", "or"})
# How a sentence's role is named in a tag's provenance.
ROLE_NAMES = {"results": "outcome", "conclusions": "conclusion", "body": "abstract"}
CLAUSE_BREAK = re.compile(r"[;:]|\b(?:while|whereas|but)\b")
BACKGROUND_BEFORE_AIM_MAX = 3  # sentences before an aim statement that count as background
_new = tuple.__new__  # Sentence(...) without the Python-level __new__
_START = itemgetter(2)  # Hit.start


class Sentence(NamedTuple):
    start: int
    end: int
    source: str  # title | abstract | keyword
    role: str
    section: int  # abstract section number (-1 for title and keywords)


class Doc:
    """One record's searchable text: title, abstract sentences and keywords, with roles."""

    def __init__(self, record: dict, taxonomy: Taxonomy):
        texts: list[str] = []
        sentences: list[Sentence] = []
        starts: list[int] = []
        offset = 0
        title = record.get("title")
        if title:
            texts.append(title)
            starts.append(0)
            sentences.append(_new(Sentence, (0, len(title), "title", "title", -1)))
            offset = len(title) + 1
        self.labels = []
        for number, (text, label, category) in enumerate(_sections(record)):
            role = label_role(label, category) if (label or category) else "body"
            self.labels.append((label or "").upper())
            for piece in _split_sentences(text):
                end = offset + len(piece)
                texts.append(piece)
                starts.append(offset)
                sentences.append(_new(Sentence, (offset, end, "abstract", role, number)))
                offset = end + 1
        self.has_abstract = len(sentences) > bool(title)
        for keyword in record.get("keywords") or ():
            if keyword:
                end = offset + len(keyword)
                texts.append(keyword)
                starts.append(offset)
                sentences.append(_new(Sentence, (offset, end, "keyword", "keyword", -1)))
                offset = end + 1
        self.text = "\n".join(texts)
        self.lower = _lower(self.text)
        self.starts = starts
        self.tokens = tokens_of(self.lower)  # for the matcher and every on-demand cue
        self.hits = hits = taxonomy.matcher.find(self.text, self.lower, self.tokens)
        # sentence index of each hit: bisect_right(starts, start) - 1, as starts[0] is 0
        sentence_numbers = map(bisect_right, repeat(starts[1:]), map(_START, hits))
        self.where = dict(zip(hits, sentence_numbers, strict=True))
        self.counts = None  # sample-size counts, filled by tag_numbers
        self.negation = taxonomy.negation
        self._on_demand = taxonomy.on_demand
        self._matched: set[str] = set()  # on-demand cues already matched
        self.titled: dict[str, bool] = {}  # on-demand cues matched in the title alone
        self.roles = taxonomy.roles
        self.cues: dict[str, list[Hit]] = {}
        self.by_facet: dict[str, list[Hit]] = {}
        cues, by_facet = self.cues, self.by_facet
        for hit in hits:
            if hit[0] == "cue":
                found = cues.get(hit[1])
                if found is None:
                    cues[hit[1]] = [hit]
                else:
                    found.append(hit)
            else:
                found = by_facet.get(hit[0])
                if found is None:
                    by_facet[hit[0]] = [hit]
                else:
                    found.append(hit)
        negations = cues.get("negation")
        self.negation_starts = [h[2] for h in negations] if negations else []
        baselines = cues.get("baseline")
        self.baseline_ends = [h[3] for h in baselines] if baselines else []
        self.sentences = self._assign_roles(sentences)
        self.adverse = self.cue_sentences("adverse")
        self.covariate = self.cue_sentences("covariate")
        self.exclusions = self._exclusion_spans()
        self.search_lists = self._search_lists()
        self.healthy = any(
            self.sentences[self.where[h]].role in DELIVERED_ROLES for h in cues.get("healthy", ())
        )

    def _search_lists(self) -> set[int]:
        """Sentences of a search strategy that list three or more conditions (search terms)."""
        searched = self.cue_sentences("search")
        if not searched:
            return set()
        named: dict[int, set] = {}
        for hit in self.by_facet.get("conditions", ()):
            i = self.where[hit]
            if i in searched:
                named.setdefault(i, set()).add(hit.name)
        return {i for i, names in named.items() if len(names) >= SEARCH_LIST_MIN}

    def sentence_index(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def sentence_of(self, hit: Hit) -> Sentence:
        return self.sentences[self.where[hit]]

    def cue_hits(self, name: str) -> list[Hit]:
        """The hits of one cue; an on-demand cue is matched now, once."""
        found = self.cues.get(name)
        if found is None and name in self._on_demand and name not in self._matched:
            self._matched.add(name)
            found = self._on_demand[name].find(self.text, self.lower, self.tokens)
            for hit in found:
                self.where[hit] = bisect_right(self.starts, hit.start) - 1
            if found:  # self.cues holds no empty lists
                self.cues[name] = found
        return found or []

    def in_title(self, name: str) -> bool:
        """Whether the title (the first sentence, when there is a title) names a cue.

        An on-demand cue of phrases alone that is not matched yet is matched in the title
        only (`titled`): a phrase never spans a sentence end, so the title holds the same hits
        alone as in the whole text, and most records never need the rest.
        """
        if not self.sentences or self.sentences[0].source != "title":
            return False
        matcher = self._on_demand.get(name)
        if matcher is not None and not matcher.patterns and name not in self._matched:
            if name not in self.titled:
                end = self.sentences[0].end
                self.titled[name] = bool(matcher.find(self.text[:end], self.lower[:end]))
            return self.titled[name]
        hits = self.cue_hits(name)
        return bool(hits) and self.where[hits[0]] == 0

    def cue_sentences(self, name: str) -> set[int]:
        hits = self.cues.get(name)
        return {self.where[h] for h in hits} if hits else set()

    def snippet(self, hit: Hit) -> str:
        return self.text[hit.start : hit.end]

    def _assign_roles(self, sentences: list[Sentence]) -> list[Sentence]:
        literature = self.cue_sentences("literature")
        general = self.cue_sentences("general")
        future = self.cue_sentences("future")
        aims = self.cue_sentences("objective")
        if not (literature or general or future or aims):
            return sentences  # every change below starts from one of these cues
        # sentences that describe this study's own method: a design term and a dose given
        designed = {self.where[h] for h in self.by_facet.get("design", ()) if h.kind == "term"}
        methods = (designed & self.cue_sentences("intervention")) - literature - general
        roles = [s.role for s in sentences]
        sections: dict[int, list[int]] = {}
        for i, sentence in enumerate(sentences):
            if sentence.source == "abstract" and sentence.role in ("body", "objective"):
                sections.setdefault(sentence.section, []).append(i)
        # Sentences before the aim statement of an unstructured abstract (or of an Objective
        # section that opens with background) are background, and so are general statements
        # that open a section without one.
        for members in sections.values():
            first = next((k for k, i in enumerate(members) if i in aims), None)
            if first and first <= BACKGROUND_BEFORE_AIM_MAX:
                for i in members[:first]:
                    if i not in methods:  # "In a double-blind study, 32 volunteers received"
                        roles[i] = "background"
            elif first is None:
                for i in members[:2]:
                    if i in general:
                        roles[i] = "background"
        # A Background section that ends with the aim ("We looked at cognition in ..."): that
        # last sentence is the objective.
        for i, sentence in enumerate(sentences):
            last = i + 1 == len(sentences) or sentences[i + 1].section != sentence.section
            if last and sentence.role == "background" and sentence.source == "abstract":
                if i in aims and i not in literature and i not in future:
                    roles[i] = "objective"
        for i, role in enumerate(roles):
            if sentences[i].source != "abstract":
                continue
            if role in ("body", "conclusions", "objective") and i in future:
                roles[i] = "future"
            elif role == "body" and i in literature:
                roles[i] = "background"
        for i, role in enumerate(roles):
            if role != sentences[i].role:
                sentences[i] = sentences[i]._replace(role=role)
        return sentences

    def _exclusion_spans(self) -> list[tuple[int, int]]:
        """Character spans whose mentions are exclusion criteria."""
        spans = [(s.start, s.end) for s in self.sentences if s.role == "exclusion"]
        inclusion = self.cue_sentences("inclusion")
        for hit in self.cues.get("exclusion", ()):
            i = self.where[hit]
            sentence = self.sentences[i]
            if sentence.source != "abstract":
                continue
            if i not in inclusion:
                spans.append((sentence.start, sentence.end))
                continue
            # Inclusion and exclusion in one sentence: only the exclusion clause is dropped.
            before = self.lower[sentence.start : hit.start]
            breaks = [m.end() for m in CLAUSE_BREAK.finditer(before)]
            start = sentence.start + (breaks[-1] if breaks else 0)
            after = CLAUSE_BREAK.search(self.lower, hit.end, sentence.end)
            spans.append((start, after.start() if after else sentence.end))
        return spans

    def negated(self, hit: Hit) -> bool:
        """A negation cue shortly before the mention, in the same clause ("no history of")."""
        neg = self.negation
        if neg.after.match(self.lower, hit.end, hit.end + 40):
            return True
        k = bisect_left(self.negation_starts, hit.start) - 1
        if k < 0:
            return False
        cue = self.cues["negation"][k]
        if cue.start < max(self.sentences[self.where[hit]].start, hit.start - neg.window):
            return False
        gap = self.lower[cue.end : hit.start]
        if neg.stop.search(gap):
            return False
        if self.lower[cue.start : cue.end] == "non":
            return not gap.strip(" -")
        words = TOKEN.findall(gap)
        return len(words) <= 5 and not any(w in neg.pseudo for w in words)

    def excluded(self, hit: Hit) -> bool:
        return any(start <= hit.start < end for start, end in self.exclusions)

    def strength(self, hit: Hit, adverse_sensitive: bool = False, review: bool = False) -> str:
        """'strong' (describes the study), 'weak' (background, future, adverse) or 'drop'."""
        return self.judge(hit, adverse_sensitive, review)[0]

    def judge(
        self, hit: Hit, adverse_sensitive: bool = False, review: bool = False
    ) -> tuple[str, str]:
        """(strength, role) of a mention: strength is 'strong', 'weak' or 'drop'; the role says
        where and how the text names it (title, objective, inclusion, outcome, covariate ...).

        Negatable facets and tags (taxonomy roles) are negated by a cue shortly before (or a
        "was not provided" after) them; a condition in a covariate or moderator clause is
        dropped; a modality that must be delivered counts only from the study's own methods,
        results, aim, title or keywords.
        """
        i = self.where[hit]
        sentence = self.sentences[i]
        if sentence.role in ("meta", "exclusion") or (self.exclusions and self.excluded(hit)):
            return "drop", "exclusion"
        if i in self.search_lists and hit.facet == "conditions":
            return "drop", "search terms"
        roles = self.roles
        if (hit.facet in roles.negatable_facets or hit.name in roles.negatable_tags) and (
            self.negated(hit)
        ):
            return "drop", "negated"
        if hit.facet == "conditions" and sentence.source == "abstract":
            if i in self.covariate and self._covariate_clause(hit):
                return "drop", "covariate"
            if self.baseline_ends and self._baseline_before(hit, sentence.start):
                return "drop", "covariate"
        if hit.facet == "modalities":
            if self.negation.unlike.search(
                self.lower, max(sentence.start, hit.start - 30), hit.start
            ):
                return ("drop" if hit.name in roles.delivered_only else "weak"), "comparison"
            if hit.name in roles.delivered_only:
                if self.negation.contrast.search(
                    self.lower, max(sentence.start, hit.start - 30), hit.start
                ):
                    return "drop", "comparison"
                if sentence.role not in DELIVERED_ROLES and not (
                    review and sentence.role == "background"
                ):
                    return "drop", sentence.role
        if (
            adverse_sensitive
            and i in self.adverse
            and sentence.source == "abstract"
            and not TARGET_BEFORE.search(self.lower, max(sentence.start, hit.start - 40), hit.start)
            and not OUTCOME_BESIDE_HARMS.match(self.lower, hit.end, sentence.end)
        ):
            return "weak", "adverse event"
        role = ROLE_NAMES.get(sentence.role, sentence.role)
        if sentence.role in ("methods", "body") and POPULATION_BEFORE.search(
            self.lower, max(sentence.start, hit.start - 40), hit.start
        ):
            role = "inclusion"  # the population the study enrolled
        if sentence.role in STRONG_ROLES or (review and sentence.role == "background"):
            return "strong", role
        return "weak", role

    def _baseline_before(self, hit: Hit, start: int) -> bool:
        """A `baseline` cue just before the mention ("higher baseline anxiety", "pre-treatment
        PTSD severity"): the condition as a baseline covariate or predictor."""
        k = bisect_right(self.baseline_ends, hit.start) - 1
        if k < 0 or self.baseline_ends[k] < start:
            return False
        gap = self.lower[self.baseline_ends[k] : hit.start]
        if any(c in gap for c in ",;:()"):
            return False
        words = TOKEN.findall(gap)
        return len(words) <= BASELINE_GAP_WORDS and not BASELINE_GAP_STOP.intersection(words)

    def _covariate_clause(self, hit: Hit) -> bool:
        """A covariate cue in the same clause as the mention."""
        sentence = self.sentences[self.where[hit]]
        start = sentence.start
        before = [m.end() for m in CLAUSE_BREAK.finditer(self.lower, start, hit.start)]
        start = before[-1] if before else start
        after = CLAUSE_BREAK.search(self.lower, hit.end, sentence.end)
        end = after.start() if after else sentence.end
        return any(start <= c.start < end for c in self.cues.get("covariate", ()))
