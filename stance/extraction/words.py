"""The word lists the rules read: cue verbs by the frames they take, nouns of people, groups,
organisations and documents, pronouns, first names by gender, titles, and the punctuation that
bounds a clause. Each list is a data file, ``stance/data/words/<list>.txt`` (one list per meaning,
read once); the tables of frames (a verb -> its prepositions), the pronouns and the irregular
forms stay here. ``_FORMS`` maps every inflected form of a cue verb to its lemma."""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..cues import inflections, read_word_list


def _word_list(name: str) -> frozenset[str]:
    """The words of ``stance/data/words/<name>`` (comment lines left out), read once, at import."""
    return frozenset(word for line in read_word_list(f"words/{name}") for word in line)


# Cue verbs by lemma. Every cue can take a clausal complement ("said that ..."); the tables
# below add the other frames a cue can take.
SPEECH_VERBS = _word_list("speech_verbs.txt")
BELIEF_VERBS = _word_list("belief_verbs.txt")
# intentions and wishes: a belief verb whose infinitive is the content ("wants to build a wall")
INTENT_VERBS = _word_list("intent_verbs.txt")
# evidence: a poll, study or record as the source ("the poll found that ...", "polls show ...")
EVIDENCE_VERBS = _word_list("evidence_verbs.txt")
# taking a position on something named by the object ("endorsed Clinton", "defended the plan") or a
# preposition ("talked about trade", "referred to the deal"); attributions in PARC and PolNeAR
POSITION_VERBS = _word_list("position_verbs.txt")
# intentions with an infinitive content: "sought to delay the vote", "declined to comment"
INTENT_ACTS = _word_list("intent_acts.txt")
# verbs that make a title line a statement ('Bellwether County Says Trump Should Win'), not 'Holds Talks'
HEADLINE_VERBS = SPEECH_VERBS | frozenset("endorse support oppose defend attack".split())
# verbs that attribute only when they stand right next to a quotation ("Fine," he shrugged)
QUOTE_ONLY_VERBS = _word_list("quote_only_verbs.txt")
CUE_VERBS = SPEECH_VERBS | BELIEF_VERBS | EVIDENCE_VERBS | POSITION_VERBS | INTENT_ACTS
# the direct object is the content ("confirmed the meeting")
NP_CONTENT = _word_list("np_content.txt")
# the direct object is the target and a preposition holds the content ("accuses Russia of ...")
OBJECT_PREP = {
    "accuse": {"of"}, "blame": {"for", "on"}, "criticize": {"for", "over"}, "criticise": {"for", "over"},
    "praise": {"for"}, "thank": {"for"}, "credit": {"with", "for"}, "fault": {"for"},
    "condemn": {"for", "over"}, "slam": {"for", "over"}, "blast": {"for", "over"},
    "warn": {"of", "about", "against"}, "charge": {"with"}, "hail": {"for", "as"}, "describe": {"as"},
    "characterize": {"as"}, "characterise": {"as"}, "label": {"as"}, "brand": {"as"},
    "applaud": {"for"}, "denounce": {"for", "as"}, "question": {"about", "over"},
}
# a preposition alone holds the content ("called for calm", "warned of a crisis")
PREP_CONTENT = {
    "call": {"for", "on"}, "warn": {"of", "about", "against"}, "complain": {"about", "of"},
    "insist": {"on"}, "appeal": {"for", "to"}, "plead": {"for"}, "argue": {"for", "against"},
    "point": {"to"}, "talk": {"about"}, "ask": {"about", "for"}, "speak": {"about", "of"}, "vote": {"for", "against"}, "refer": {"to"}, "focus": {"on"},
}
# an infinitive holds the content ("vowed to retaliate", "urged Russia to withdraw")
XCOMP_CONTENT = _word_list("xcomp_content.txt")
# verbs that characterise something 'as' what they call it ('dismissed as "absurd" the claims')
CHARACTERIZING = _word_list("characterizing.txt")
# stance verbs whose passive names the speaker in its 'by' phrase ('was accused by the United States of ...')
PASSIVE_STANCE = _word_list("passive_stance.txt")
# 'called X Y': the object and what it is called are the content
NAMING = _word_list("naming.txt")
# verbs of putting out a document: its subject is the document's author ('issued a statement calling ...')
_ISSUING = _word_list("issuing.txt")
# cues that go on with what the speaker before said ('he added', 'she continued', 'he went on')
CONTINUING = _word_list("continuing.txt")
# the direct object is the hearer, never the content
ADDRESSEE = _word_list("addressee.txt")
# verbs that are cues only with a particle
PARTICLE = {"point": "out", "rule": "out"}
# words that open the writer's aside after a reported content's comma or dash
ASIDE_WORDS = _word_list("aside_words.txt")
# verbs whose clause is no attribution ('it is that ...', 'this means that ...', 'he made sure that ...')
NOT_CUES = _word_list("not_cues.txt")
# adjectives of a held view after a copula ('is confident that', 'was critical of')
STATE_ADJECTIVES = _word_list("state_adjectives.txt")
# nouns that hold what someone said or believes when a clause follows ('his claim that', 'her promise to')
CLAIM_NOUNS = _word_list("claim_nouns.txt")
AGENT_PRONOUNS = _word_list("agent_pronouns.txt")
MODALS = _word_list("modals.txt")
_IRREGULAR = {
    "said": "say", "says": "say", "saying": "say", "told": "tell", "wrote": "write", "written": "write",
    "thought": "think", "felt": "feel", "went": "go", "gone": "go", "goes": "go", "began": "begin",
    "begun": "begin", "swore": "swear", "sworn": "swear", "cried": "cry", "cries": "cry",
    "replied": "reply", "replies": "reply", "denied": "deny", "denies": "deny", "testified": "testify",
    "testifies": "testify", "specified": "specify", "specifies": "specify", "clarified": "clarify",
    "clarifies": "clarify", "texted": "text", "emailed": "email", "worried": "worry", "worries": "worry",
    "quipped": "quip", "quipping": "quip", "admitted": "admit", "admitting": "admit",
    "sought": "seek", "spoke": "speak", "spoken": "speak", "planned": "plan", "planning": "plan",
    "referred": "refer", "referring": "refer", "found": "find", "shown": "show",
}


def _build_forms(lemmas: Iterable[str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for lemma in sorted(lemmas):
        for form in inflections(lemma):
            forms.setdefault(form, lemma)
    forms.update(_IRREGULAR)
    return forms


_FORMS = _build_forms(CUE_VERBS | QUOTE_ONLY_VERBS | set(PREP_CONTENT))
_ISSUING_FORMS = frozenset(form for form, lemma in _build_forms(_ISSUING).items() if lemma in _ISSUING) | {"sent"}
DASHES = frozenset({"—", "–", "--", "-", "―"})
CLAUSE_END = frozenset({".", "!", "?", ";", ":", "...", "…"})
TRAIL_PUNCT = frozenset({".", ",", ";", ":", "!", "?", "...", "…", "(", "["}) | DASHES
LEAD_PUNCT = frozenset({",", ";", ":", ".", ")", "]"}) | DASHES

# news organisations: their "X reports" is dropped when it only wraps someone else's statement
_OUTLET = re.compile(
    r"\b(?:A\.?P\.?|AFP|Reuters|Associated Press|Agence France|Bloomberg|CNN|BBC|NBC|CBS|ABC News|"
    r"Fox News|MSNBC|NPR|PBS|Axios|Politico|POLITICO|TASS|Interfax|RIA(?: Novosti)?|Sputnik|Xinhua|"
    r"Kyodo|Yonhap|Al Jazeera|Anadolu|Ukrinform|Kommersant|Izvestia|Vedomosti|"
    r"(?:[A-Z][\w.&'-]*\s)*(?:Times|Post|Journal|News|Press|Herald|Tribune|Gazette|Telegraph|Guardian|"
    r"Independent|Observer|Chronicle|Daily|Magazine|Agency|Broadcasting|Network|Radio|Television|TV|"
    r"Newspaper|Wire|Economist|Atlantic|Insider)|"
    r"(?:state|state-run|state-owned|official|local|national)\s+(?:media|television|TV|news agency|newspaper)|"
    r"news (?:agency|outlet|site|website))\b"
)
# what a speaker issues: 'a statement from X said' is X speaking
DOCUMENT_NOUNS = _word_list("document_nouns.txt")
_ANONYMITY = re.compile(r"(?:not to be (?:named|identified|quoted)|anonymity|on condition)", re.I)
# where something is said ('said in an interview that ...')
SPEECH_EVENTS = _word_list("speech_events.txt")
# heads of nominal speakers, to tell people from organisations when resolving pronouns
PERSON_NOUNS = _word_list("person_nouns.txt")
# heads whose "of/for/at/in/with/from X" names who they speak for ("a spokesman for the Kremlin")
AFFILIATION_NOUNS = _word_list("affiliation_nouns.txt")
ORG_NOUNS = _word_list("org_nouns.txt")
# the organisations whose staff news names by the organisation's common noun ('a ministry spokeswoman')
_EMPLOYERS = _word_list("employers.txt")
HUMAN_PLURALS = _word_list("human_plurals.txt")
# speakers whose next unattributed quote is not theirs
_NO_INHERIT = _word_list("no_inherit.txt")
PRONOUNS = {
    "he": ("person", "m"), "him": ("person", "m"), "she": ("person", "f"), "her": ("person", "f"),
    "they": ("plural", ""), "them": ("plural", ""), "it": ("thing", ""),
    "i": ("self", ""), "we": ("self", ""), "you": ("self", ""), "me": ("self", ""), "us": ("self", ""),
}
_MALE_WORDS = _word_list("male_words.txt")
_FEMALE_WORDS = _word_list("female_words.txt")
_MALE_NAMES = _word_list("male_names.txt") - {"lindsey"}
_FEMALE_NAMES = _word_list("female_names.txt")
_TITLE_WORDS = _word_list("title_words.txt")
_TITLE_PREFIX = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Sen|Rep|Gov|Gen|Lt|Col|Prof|Rev|President|Vice President|"
    r"Prime Minister|Foreign Minister|Secretary|Minister|Senator|Governor|Ambassador|Chancellor|"
    r"Spokesman|Spokeswoman|Judge|General|Premier|King|Queen|Prince|Pope)\.?\s+)+"
)


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word
