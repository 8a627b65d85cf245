"""High-risk contract clauses: the categories, and the rule-based detector of the offline backend.

Categories follow CUAD's (the Contract Understanding Atticus Dataset) names and descriptions, plus
*Indemnification*, which CUAD does not label. Each :class:`ClauseCategory` has a default severity and
a description (shown to LLMs in the clause prompt of :mod:`.prompts`), and regular expressions the
offline detector matches sentence by sentence, with ``unless`` patterns that veto a match.

A text is only searched when :func:`looks_like_contract` says it reads like a contract, so a novel's
"governed by the laws of nature" is not flagged. Pure functions, thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from .base import ClauseFlag, clause_quote
from .hygiene import Junk, junk_kind
from .sentences import sentence_spans

Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class ClauseCategory:
    """A clause category: CUAD's name (``cuad``, None if CUAD has none), severity, description, rules."""

    severity: Severity
    description: str
    patterns: tuple[str, ...]
    unless: tuple[str, ...] = ()
    cuad: str | None = None
    compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False)
    vetoes: tuple[re.Pattern[str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        compiled = tuple(re.compile(_within_sentence(p), re.IGNORECASE) for p in self.patterns)
        object.__setattr__(self, "compiled", compiled)
        object.__setattr__(self, "vetoes", tuple(re.compile(p, re.IGNORECASE) for p in self.unless))

    def matches(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.compiled) and not any(v.search(sentence) for v in self.vetoes)

    def firing(self, sentence: str) -> frozenset[int]:
        """The indices of the patterns that match ``sentence`` (none when a veto does): for the bench's
        leave-one-contract-out report, which weighs each pattern on its own."""
        hits = frozenset(i for i, p in enumerate(self.compiled) if p.search(sentence))
        return hits if hits and not any(v.search(sentence) for v in self.vetoes) else frozenset()


def _within_sentence(pattern: str) -> str:
    """``pattern`` with its "any character but a full stop" windows (``[^.]``, ``[^.;]``) also crossing the full
    stop of a number: "shall not assign the rights granted in this Section 1.01 without the prior written
    consent" is one provision, and a window that stopped at "1." missed it."""
    return pattern.replace("[^.]", _SPAN).replace("[^.;]", r"(?:[^.;]|\.(?=\d))")


_LIAB = r"liab(?:le|ility|ilities)"
_SPAN = r"(?:[^.]|\.(?=\d))"  # within one sentence; "Section 10.5" does not end it
_NOTICE = (
    r"(?:upon|by giving|with|on|after|by providing|by)\s[^.;]{0,60}?(?:days?|months?)['’]?\s*(?:\)\s*)?"
    r"(?:prior\s+|advance\s+)?(?:written\s+)?notice"
)

CATEGORIES: dict[str, ClauseCategory] = {
    "Uncapped Liability": ClauseCategory(
        "high",
        "A party's liability is uncapped on a breach (including for a type of breach such as IP "
        "infringement or breach of confidentiality).",
        (
            r"(?:limitations?|exclusions?|caps?)\s+(?:of|on)\s+(?:damages|" + _LIAB + r")" + _SPAN + r"{0,250}?"
            r"(?:shall|will|do(?:es)?)\s+not\s+apply",
            r"(?:shall|will)\s+not\s+(?:limit|exclude|restrict)\s" + _SPAN + r"{0,80}?" + _LIAB,
            r"unlimited\s+" + _LIAB,
            r"(?:except|other than|excluding)\s" + _SPAN + r"{0,150}?(?:indemnif|gross negligence|willful|wilful|"
            r"confidentiality|breach of\s+(?:section|article|confidential))" + _SPAN + r"{0,250}?"
            r"(?:in no event|not be liable|neither party shall be liable|shall not exceed|no liability)",
            r"(?:in no event|not be liable)"
            + _SPAN
            + r"{0,300}?(?:except|other than|excluding)\s"
            + _SPAN
            + r"{0,100}?(?:indemnif|gross negligence|willful|wilful|fraud|breach of (?:section|article|confidential))",
            r"except as (?:otherwise )?(?:provided|set forth) in (?:section|article)" + _SPAN + r"{0,200}?"
            r"(?:in no event|not be liable|(?:is|be) limited to)",
        ),
        cuad="Uncapped Liability",
    ),
    "Cap On Liability": ClauseCategory(
        "medium",
        "A cap on liability on a breach: a maximum amount of recovery, an exclusion of damages types, "
        "or a time limit to bring claims.",
        (
            r"(?:total|aggregate|maximum|cumulative|entire)\s+" + _LIAB + r"[^.]{0,250}?(?:shall not exceed|"
            r"(?:is|be|are)\s+limited to|not to exceed|in excess of|exceed)",
            r"(?:in no event|under no circumstances)[^.]{0,250}?" + _LIAB + r"[^.]{0,250}?(?:exceed|"
            r"in excess of|greater than|more than)",
            r"(?:in no event|under no circumstances|(?:not|nor|never|neither)\b[^.]{0,40}?\bbe\s+liable)[^.]{0,250}?"
            r"(?:indirect|incidental|consequential|special|punitive|exemplary)\s[^.]{0,40}?damages",
            r"" + _LIAB + r"[^.]{0,120}?(?:is|be|are|shall be)\s+limited\s+to",
            r"no (?:action|claim)[^.]{0,150}?(?:may|shall) be brought[^.]{0,100}?(?:more|later) than",
            # CUAD: "includes time limitation for the counterparty to bring claims"
            r"(?:action|claim|suit|proceeding)s?[^.]{0,100}?(?:must|shall)\s+be\s+(?:brought|commenced|filed)\s+within",
            # drafting: an exclusion of damages types or of remedies ("lost profits", "sole remedy")
            r"(?:in no event|under no circumstances|(?:not|nor|never|neither)\b[^.]{0,40}?\bbe\s+liable)[^.]{0,200}?"
            r"(?:(?:lost|loss\s+of)\s+(?:\w+\s+)?(?:profits|revenues?|goodwill|business|data)|"
            r"(?:prospective|anticipated)\s+profits)",
            r"(?:sole|exclusive)\s+(?:and\s+exclusive\s+)?remed(?:y|ies)",
            r"remed(?:y|ies)[^.]{0,60}?(?:shall\s+be\s+|are\s+|is\s+)?limited\s+to",
        ),
        # "Termination is not the sole remedy …, all other remedies shall remain available": nothing is capped.
        unless=(r"\bnot\s+(?:be\s+)?(?:the|its|a)\s+(?:sole|exclusive)\s+remed",),
        cuad="Cap On Liability",
    ),
    "Liquidated Damages": ClauseCategory(
        "high",
        "Liquidated damages, a termination fee or a fixed penalty for a breach or early termination.",
        (
            r"liquidated\s+damages",
            r"termination\s+fee",
            r"early\s+termination\s+(?:fee|charge|payment)",
            r"\bas (?:a )?penalty\b",
        ),
        cuad="Liquidated Damages",
    ),
    "Termination For Convenience": ClauseCategory(
        "high",
        "A party may terminate without cause (for convenience, for any reason or none), with or without notice.",
        (
            r"terminat\w*[^.]{0,150}?(?:for\s+(?:any\s+reason|convenience|no\s+reason)|without\s+(?:cause|"
            r"reason)|at\s+(?:its|their)\s+(?:sole\s+)?(?:discretion|convenience))",
            r"(?:may|can|shall have the right to)\s+terminate\s[^.]{0,120}?(?:at any time\s+)?" + _NOTICE,
            r"(?:either|any)\s+party\s+may\s+terminate\s+this\s+(?:agreement|contract)\s+(?:at any time|upon)",
            # a list of termination events, one of them notice alone: "may be terminated … (d) By either
            # party upon sixty (60) days prior written notice"
            r"terminat\w*[^.]{0,200}?\bby\s+(?:either|any)\s+party[^.;]{0,40}?" + _NOTICE,
        ),
        unless=(r"\bbreach", r"\bdefault", r"\binsolven", r"\bbankrupt", r"fail(?:s|ure)?\s+to"),
        cuad="Termination For Convenience",
    ),
    "Renewal Term": ClauseCategory(
        "medium",
        "A renewal term after the initial term, such as automatic extensions or renewals unless notice is given.",
        (
            r"automatic(?:ally)?\s+(?:be\s+)?(?:renew|extend)",
            r"(?:renew|extend)\w*\s[^.]{0,80}?(?:for\s+)?(?:an?\s+)?(?:additional|successive|further)\s"
            r"[^.]{0,40}?(?:year|month|term|period)",
            r"\brenewal\s+(?:term|period)s?\b",
            r"\bauto-?renew",
            # CUAD: "includes automatic extensions and unilateral extensions with prior notice"
            r"(?:option|right)\s+to\s+(?:renew|extend)\s+(?:this|the)\s+(?:agreement|term|contract)",
        ),
        # A warranty extended for more months ("extended warranty coverage for an additional 24 months") is
        # not the agreement renewed.
        unless=(r"\bextended\s+warrant", r"\bwarranty\s+(?:period|coverage|term)\b"),
        cuad="Renewal Term",
    ),
    "Non-Compete": ClauseCategory(
        "high",
        "A party may not compete, or operate in a field or geography, or sell competing products.",
        (
            r"non-?compet",
            r"(?:shall|will|may|agrees? (?:that it will|to))\s+not[^.]{0,150}?(?:compet\w+|rival)\s"
            r"[^.]{0,40}?(?:products?|business|services?|goods)",
            r"(?:shall|will)\s+not[^.]{0,120}?(?:directly or indirectly)[^.]{0,120}?(?:compet|engage in)",
            r"(?:refrain|abstain)\s+from[^.]{0,120}?compet",
            r"(?:prohibit|restrict|forbid|preclude)\w*\s[^.]{0,60}?\bcompetition\b",
            r"\bnot\b(?:\s+\(?\w+\)?){0,4}\s+(?:represent|sell|market|distribute|manufacture|promote|procure|"
            r"engage)[^.]{0,150}?\bcompet\w*",
        ),
        cuad="Non-Compete",
    ),
    "Exclusivity": ClauseCategory(
        "medium",
        "Exclusive dealing: a sole or exclusive distributor, supplier, licensee or territory, or a "
        "duty to buy only from one party.",
        (
            r"(?<!non-)(?<!non)\bexclusive\s+(?:right|distribut\w*|licen[cs]\w*|supplier|provider|basis|"
            r"agent|territor\w*|reseller|dealer|partner)",
            r"(?<!non-)(?<!non)\bexclusive\s+(?:and\s+)?(?:\w+\s+){0,2}(?:right|distribut\w*|licen[cs]\w*)",
            r"\bexclusively\b",
            r"\bsole\s+(?:and\s+exclusive\s+)?(?:distribut\w*|supplier|source|provider|agent|reseller)",
            r"(?:purchase|buy|obtain|source)\s[^.]{0,40}?(?:all|only)\s[^.]{0,60}?(?:requirements|from\s+\w+)",
            r"(?:procure|purchase|buy|obtain|source)\w*\s[^.]{0,60}?\b(?:solely|exclusively|only)\s+from\b",
            # "Distributor's right to market, distribute and sell the Products in the Territory shall be exclusive."
            r"\bright\s[^.]{0,120}?\b(?:shall|will|is|are)\s+(?:be\s+)?(?:sole\s+and\s+)?exclusive\b",
            # "In order to maintain the exclusivity granted hereunder, Zanotti shall provide … orders for a minimum"
            r"\b(?:maintain|retain|keep|preserve|lose|loses|forfeit)\w*\s+(?:the\s+|its\s+|such\s+)?exclusiv",
            # CUAD: "… or a prohibition on licensing or selling technology, goods or services to third parties"
            r"(?:shall|will|may)\s+not\s+(?:\w+\s+){0,3}(?:sell|license|supply|distribute|appoint)\w*\s[^.]{0,80}?"
            r"(?:to|with)\s+any\s+(?:other\s+|third\s+)(?:part(?:y|ies)|distributors?|suppliers?|persons?)",
        ),
        # Exclusive remedies, courts and dispute resolution ("resolved exclusively through binding arbitration"),
        # and rights that are cumulative, are not exclusive dealing.
        unless=(
            r"exclusive\s+(?:remedy|remedies|jurisdiction|venue|property)",
            r"non-?exclusive",
            r"\barbitrat",
            r"\bexclusive\s+of\b",  # "no right or remedy … is exclusive of any other right or remedy"
            r"\b(?:means|shall\s+mean)\s+exclusively\b",  # a definition: '"Territory" means exclusively Canada'
            r"exclusively\s+(?:in|by|before)\s+(?:the\s+)?(?:\w+\s+){0,3}courts?\b",
        ),
        cuad="Exclusivity",
    ),
    "Change Of Control": ClauseCategory(
        "high",
        "Rights on a change of control: termination, consent or notice when a party merges, is "
        "acquired or sells substantially all its assets.",
        (
            r"change\s+(?:of|in)\s+(?:the\s+)?control",
            r"(?:merger|consolidation|reorgani[sz]ation|acquisition)[^.]{0,200}?(?:terminat|consent|deemed"
            r"\s+(?:an?\s+)?assign)",
            r"(?:sale|transfer)\s+of\s+(?:all\s+or\s+)?substantially\s+all",
            r"substantially\s+all\s+(?:of\s+)?(?:the\s+|its\s+|their\s+)?assets[^.;]{0,80}?(?:are|is|be|been)\s+"
            r"(?:transferred|sold|conveyed|acquired)",
            r"(?:ownership|control)\s+(?:or\s+\w+\s+)?of\s+[^.;]{0,60}?(?:ha(?:s|ve)\s+(?:materially\s+)?changed|"
            r"changes?\s+materially|is\s+transferred)",
            r"change\s+(?:in|of)\s+(?:the\s+)?(?:ownership|majority\s+ownership|management)\b",
            r"(?:beneficial\s+)?owner\w*\s+of\s+(?:more than\s+)?(?:fifty|50)\s*(?:percent|%)",
            # CUAD: "… or assignment by operation of law"
            r"assign\w*[^.]{0,120}?(?:by|through)\s+operation\s+of\s+law[^.]{0,120}?(?:consent|terminat|void)",
        ),
        cuad="Change Of Control",
    ),
    "Anti-Assignment": ClauseCategory(
        "medium",
        "Consent or notice is needed to assign or transfer the contract to a third party.",
        (
            r"(?:shall|may|will)\s+not\s+(?:\w+\s+){0,3}(?:assign|transfer|delegate)\w*\s[^.]{0,250}?"
            r"(?:consent|approval|permission)",
            r"(?:assign|transfer)\w*[^.]{0,150}?without\s+(?:the\s+)?(?:[\w'’]+\s+){0,5}?(?:consent|approval|permission)",
            r"(?:not|neither)\s[^.]{0,60}?(?:assignable|transferable)",
            r"any\s+(?:purported\s+)?assignment[^.]{0,100}?(?:void|null|without effect)",
        ),
        cuad="Anti-Assignment",
    ),
    "Most Favored Nation": ClauseCategory(
        "high",
        "A most-favoured-nation term: if a third party gets better terms or prices, this party gets them too.",
        (
            r"most\s+favou?red\s+(?:nation|customer|licensee|pricing)",
            r"\bMFN\b",
            r"(?:terms?|prices?|pricing|rates?|conditions)[^.]{0,150}?(?:no\s+less\s+favou?rable|at\s+least\s+"
            r"as\s+favou?rable|as\s+favou?rable\s+as)",
            r"(?:lower|better|more\s+favou?rable|lowest)\s+(?:\w+\s+){0,2}(?:prices?|terms|rates?|pricing)"
            r"[^.]{0,200}?(?:any\s+other|third\s+part|other\s+(?:customer|distribut|licensee))",
            # drafting: a price no higher than the one charged to any other buyer
            r"(?:prices?|rates?|fees?|charges?)[^.]{0,100}?(?:not\s+(?:be\s+)?(?:higher|greater)\s+than|not\s+exceed)"
            r"[^.]{0,100}?(?:charged|offered|sold|granted|provided)\s+to\s+(?:any\s+)?(?:other|third)",
        ),
        cuad="Most Favored Nation",
    ),
    "IP Ownership Assignment": ClauseCategory(
        "high",
        "Intellectual property created by one party becomes the property of the counterparty.",
        (
            r"(?:hereby\s+)?(?:assigns?|transfers?|conveys?)\s[^.]{0,150}?(?:right,?\s+title,?\s+and\s+interest|"
            r"intellectual\s+property|copyrights?|patents?|inventions?)",
            r"works?\s+(?:made\s+)?for\s+hire",
            r"(?:intellectual\s+property|inventions?|improvements?|developments?|work\s+product|deliverables)"
            r"[^.]{0,200}?(?:shall|will)\s+(?:be(?:come)?|remain)\s+(?:the\s+)?(?:sole\s+(?:and\s+exclusive\s+)?)?"
            r"(?:exclusive\s+)?property\s+of",
            r"(?:shall|will)\s+(?:be|become)\s+(?:solely\s+)?owned\s+by",
        ),
        cuad="Ip Ownership Assignment",
    ),
    "Governing Law": ClauseCategory(
        "low",
        "Which state's or country's law governs the contract.",
        (
            r"governed\s+by[^.]{0,80}?laws?\s+of",
            r"governing\s+law",
            r"(?:constru\w+|interpret\w*|enforced|performed)[^.]{0,80}?(?:in\s+accordance\s+with|according\s+to|"
            r"under)\s+(?:the\s+)?laws?\s+of",
            r"laws?\s+of\s+[^.]{0,60}?shall\s+(?:govern|apply)",
            r"pursuant\s+to\s+the\s+laws?\s+of",
        ),
        cuad="Governing Law",
    ),
    "Indemnification": ClauseCategory(
        "medium",
        "A party must indemnify, defend or hold harmless the other against claims or losses.",
        (r"\bindemnif(?:y|ies|ied|ication)\b", r"hold\s+(?:\w+\s+){0,3}harmless", r"\bdefend,?\s+indemnify"),
    ),
}

_ALIASES = {re.sub(r"[^a-z]", "", name.lower()): name for name in CATEGORIES}
_ALIASES.update(
    {re.sub(r"[^a-z]", "", (spec.cuad or "").lower()): name for name, spec in CATEGORIES.items() if spec.cuad}
)
_ALIASES.update(
    {
        "mostfavourednation": "Most Favored Nation",
        "mfn": "Most Favored Nation",
        "autorenewal": "Renewal Term",
        "noncompetition": "Non-Compete",
        "assignment": "Anti-Assignment",
        "indemnity": "Indemnification",
        "limitationofliability": "Cap On Liability",
        "ipownership": "IP Ownership Assignment",
    }
)


def canonical_category(name: str) -> str | None:
    """Our category name for a label an LLM or a dataset wrote ("most favoured nation" → "Most Favored Nation")."""
    return _ALIASES.get(re.sub(r"[^a-z]", "", name.lower()))


_CONTRACT_WORDS = re.compile(
    r"\b(?:agreement|part(?:y|ies)|shall|hereof|hereto|herein|hereunder|thereof|terminat\w*|licens\w+|"
    r"indemnif\w*|warrant\w*|obligations?|breach|pursuant|notwithstanding|covenants?)\b",
    re.IGNORECASE,
)


def looks_like_contract(text: str) -> bool:
    """Whether a text reads like a contract: dense in legal vocabulary (about 2 % of words or more)."""
    words = max(1, len(text.split()))
    hits = len(_CONTRACT_WORDS.findall(text))
    return hits >= 5 and hits / words >= 0.02


#: A provision that reads as this many kinds of clause at once names them rather than provides them: a list
#: of clause kinds ("uncapped liability, indemnification, liquidated damages, renewal terms…"), a table of
#: contents run into one line, the sections a survival clause keeps. Real provisions that combine kinds
#: combine two ("except for indemnification obligations, … liability shall not exceed …"); none of the
#: corpus's contracts has one of three or more.
LIST_OF_KINDS = 4


def detect_clauses(text: str, *, per_category: int = 3, force: bool = False) -> list[ClauseFlag]:
    """Rule-based clause flags of a contract text (empty for texts that do not read like contracts)."""
    if not force and not looks_like_contract(text):
        return []
    flags: list[ClauseFlag] = []
    counts: dict[str, int] = {}
    for start, end, provision in contract_provisions(text):
        kinds = [(name, spec) for name, spec in CATEGORIES.items() if spec.matches(provision)]
        if len(kinds) >= LIST_OF_KINDS:
            continue
        for name, spec in kinds:
            if counts.get(name, 0) >= per_category:
                continue
            counts[name] = counts.get(name, 0) + 1
            flags.append(ClauseFlag(name, spec.severity, clause_quote(provision), start, end))
    return flags


def contract_provisions(text: str) -> Iterator[tuple[int, int, str]]:
    """Every provision of a contract text with its sentence's span: what the detector's rules judge.

    A list item that stands as a sentence of its own is read with the words that lead into the list.
    """
    lead = ""  # the words that open a list whose items stand as sentences of their own
    for start, end in sentence_spans(text):
        sentence = " ".join(text[start:end].split())
        if sentence.endswith(":") and not _ITEM.match(sentence):
            lead = sentence
        elif not _ITEM.match(sentence):
            lead = ""
        if len(sentence) < 20 or junk_kind(sentence) == Junk.HEADING:  # "5.3 Indemnification." names, not provides
            continue
        for provision in provisions(f"{lead} {sentence}" if lead and _ITEM.match(sentence) else sentence):
            yield start, end, provision


_ITEM = re.compile(r"^\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})\)\s")
_ENUMERATOR = re.compile(r"(?:(?<=[:;,.])|(?<=\band)|(?<=\bor))\s*\((?:[a-z]|[ivx]{1,4}|\d{1,2})\)\s+")


def provisions(sentence: str) -> list[str]:
    """A sentence's provisions: each enumerated item "(a) …; (b) …" with the words that lead into the list.

    Contracts list alternatives in one sentence ("may be terminated: (a) on a breach…; (d) by either party
    on sixty days' notice"); each item is a provision of its own, so a veto word in one item (breach)
    must not hide what another says.
    """
    cuts = [m for m in _ENUMERATOR.finditer(sentence) if m.start() > 0]
    if len(cuts) < 2:
        return [sentence]
    lead = sentence[: cuts[0].start()].strip()
    items = [sentence[a.start() : b.start()].strip() for a, b in zip(cuts, [*cuts[1:], None], strict=False) if b]
    items.append(sentence[cuts[-1].start() :].strip())
    return [f"{lead} {item}" for item in items]
