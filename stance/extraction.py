"""Attributed statements: who said what in a news article, with character offsets.

:func:`extract_statements` parses a text with spaCy and returns one record per attributed
statement; :func:`extract_from_doc` does the same over an already parsed Doc. Both are pure.
:func:`extract_files` is the ``stance extract`` command.

What is found
-------------
- **direct** quotes, straight or curly marks, with the attribution after the quote ("...," he
  said / said Smith / the official told CNN / — Smith), before it after a colon, comma or dash
  ("Smith said: ..."), or in the paragraph before ("The official added:" then a paragraph of
  quote, with or without marks); an article quoted in single marks only (British style:
  'We will respond,' he said) has them read as quotation marks, apostrophes left alone; a
  quote split by its attribution ("A," he said, "B.") is one
  statement with two ``fragments``; a quote running over paragraphs (no closing mark at the end
  of a paragraph, an opening mark at the start of the next) is one statement; a full-sentence
  quote right after a statement, with no attribution of its own, gets that statement's speaker.
- **mixed** statements: reported content holding a quoted fragment ("Kerry will emphasize
  "the vital importance ..."," the official said).
- **indirect** (reported) speech: a cue verb with a clause ("said that ...", "denied that ...",
  fronted "..., he said", parenthetical "The plan, he said, is dead"), an object ("confirmed
  the meeting"), an object and a preposition ("accuses Russia of ...": content "of ...", the
  object is the target), an infinitive ("vowed to retaliate"), a characterisation ("dismissed
  as "absurd" the claims"), "according to X", "citing X" (X is the source of the reporting
  verb's content), a participle of its own after another statement's content ("accused Harris
  of ..., telling supporters that ..."), and a gapped relative clause whose antecedent is the
  content ("claims that the Kremlin denies").
- attributions as PARC and PolNeAR annotate them: positions ("endorsed Clinton", "talked about
  trade", "voted for the bill", "the super PAC supporting Bush"), beliefs and intentions ("voters
  fear that ...", "wants to build a wall", "are confident that ...", "..., fearing that ..."),
  evidence ("a poll found that ..."), "As X told Y, ...", nouns of saying with their holder
  ("Trump's claim that ..."), a verb outside the lists with a clause and a subject who can hold a
  view ("Republicans fretted that ..."), and the article's title line ("Graham: ...", "Bellwether
  County Says ...").

Every record names the pattern that found it (``rule``, a name registered in
``stance/data/extraction_rules.tsv``, :data:`RULES`) and the kind of its cue (``cue_type``:
``speech``, or ``internal`` for a belief, wish or feeling, from the word list of
:mod:`stance.cues`; stance work may leave the internal ones out). ``kind`` stays ``direct`` /
``mixed`` / ``indirect``.

Span conventions (PARC 3.0 / PolNeAR): a direct quote's content includes its quotation marks
and the punctuation inside them; reported content is the reported clause, starting with "that"
when there is one and stopping before the sentence's final period (a trailing comma before a
following attribution is kept). ``article[start:end] == content`` always holds; with several
fragments, ``start``/``end`` span them all and ``fragments`` lists ``[start, end]`` pairs.

Speakers are the subject at the attribution (``speaker``, ``speaker_start``/``speaker_end``);
``speaker_canonical`` is the entity meant: pronouns ("he", "she", "they", "it") and definite
nominals ("the official", "the Ministry") go to the most recent compatible mention before them,
a surname to the full name used earlier (also when the NER took it for a place: "Jordan"), a
document to who issued it ("a statement from the Defense Ministry said", "a White House readout"). With a :class:`~stance.parties.PartyConfig`,
``speaker_party`` and ``target_party`` are filled; unknown stays ``None``.

Left out on purpose: statements nested inside a quote or inside another statement's content
(the outer one is kept), attributions without a speaker ("it was said that"), negated, modal
and infinitive cues ("did not say", "will say", "plans to announce"), reported speech in a
title-case line other than the title ("Netanyahu Rejects Calls for Ceasefire": the parse of such
lines is unreliable; the article's title line is read from its words: "Name: what", "Name Says
What"), "who asked not to be named",
and the reporting layer
of news outlets ("AP reports", "according to state media") and "according to X" when it only
wraps another attribution ("Strategists worry that ..., according to three people": the
strategists' statement).
"""
from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cues import cue_type
from .errors import InputError
from .parties import PartyConfig

log = logging.getLogger(__name__)


def _read_rules() -> dict[str, str]:
    from importlib import resources

    text = resources.files("stance").joinpath("data", "extraction_rules.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return {name.strip(): what.strip() for name, what in rows}


# The registry of patterns (stance/data/extraction_rules.tsv): name -> what it finds. Every record's
# ``rule`` is one of these names.
RULES: dict[str, str] = _read_rules()

# ============================================================================ lexicon
# Cue verbs by lemma. Every cue can take a clausal complement ("said that ..."); the tables
# below add the other frames a cue can take.
SPEECH_VERBS = frozenset("""
say tell add state claim argue insist note explain announce report write warn acknowledge admit
assert contend maintain declare emphasize emphasise stress underline underscore suggest predict
reply respond answer counter retort recall reveal disclose indicate observe remark comment mention
tweet post conclude concede allege charge estimate forecast caution complain confirm deny promise
pledge vow threaten ask urge demand propose recommend agree boast joke quip lament testify reiterate
repeat affirm reaffirm proclaim signal hint inform assure reassure remind advise accuse blame
criticize criticise praise condemn denounce reject dismiss welcome hail applaud thank credit fault
slam blast question dispute refute rebut rebuff call describe characterize characterise label brand
speculate request plead appeal object protest confess wonder exclaim recount clarify elaborate
specify outline detail point rule swear concur reckon opine exhort muse scold chide mock tout vouch decry
deride
""".split())
BELIEF_VERBS = frozenset("believe think feel fear hope expect doubt worry suspect know want wish intend".split())
# intentions and wishes: a belief verb whose infinitive is the content ("wants to build a wall")
INTENT_VERBS = frozenset("hope expect want wish intend".split())
# evidence: a poll, study or record as the source ("the poll found that ...", "polls show ...")
EVIDENCE_VERBS = frozenset("show find".split())
# taking a position on something named by the object ("endorsed Clinton", "defended the plan") or a
# preposition ("talked about trade", "referred to the deal"); attributions in PARC and PolNeAR
POSITION_VERBS = frozenset("endorse support oppose defend attack discuss express talk speak refer focus vote".split())
# intentions with an infinitive content: "sought to delay the vote", "declined to comment"
INTENT_ACTS = frozenset("seek plan decide decline refuse".split())
# verbs that make a title line a statement ('Bellwether County Says Trump Should Win'), not 'Holds Talks'
HEADLINE_VERBS = SPEECH_VERBS | frozenset("endorse support oppose defend attack".split())
# verbs that attribute only when they stand right next to a quotation ("Fine," he shrugged)
QUOTE_ONLY_VERBS = frozenset("""
continue go laugh smile shrug sigh scoff chuckle shout yell whisper mutter murmur cry snap
interject interrupt begin finish text email read remember
""".split())
CUE_VERBS = SPEECH_VERBS | BELIEF_VERBS | EVIDENCE_VERBS | POSITION_VERBS | INTENT_ACTS
# the direct object is the content ("confirmed the meeting")
NP_CONTENT = frozenset("""
confirm deny announce reject dismiss acknowledge admit predict reveal disclose report claim promise
pledge demand propose recommend welcome condemn denounce criticize criticise praise hail applaud
question dispute refute rebut rebuff slam blast allege reiterate repeat reaffirm forecast estimate
signal concede emphasize emphasise stress underline underscore outline detail request suggest
threaten urge rule endorse support oppose defend attack discuss express show mention recall
""".split())
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
XCOMP_CONTENT = frozenset("""
promise pledge vow threaten agree urge ask tell call demand propose swear warn advise claim
appeal plead hope expect want wish intend seek plan decide decline refuse
""".split())
# verbs that characterise something 'as' what they call it ('dismissed as "absurd" the claims')
CHARACTERIZING = frozenset("""
dismiss reject denounce condemn describe characterize characterise brand label hail criticize criticise
slam blast praise welcome decry deride
""".split())
# stance verbs whose passive names the speaker in its 'by' phrase ('was accused by the United States of ...')
PASSIVE_STANCE = frozenset("""
accuse blame criticize criticise praise condemn denounce slam blast reject dismiss welcome hail applaud
thank credit fault
""".split())
# 'called X Y': the object and what it is called are the content
NAMING = frozenset("call label dub brand term".split())
# verbs of putting out a document: its subject is the document's author ('issued a statement calling ...')
_ISSUING = frozenset("issue release publish send post put distribute circulate deliver file".split())
# cues that go on with what the speaker before said ('he added', 'she continued', 'he went on')
CONTINUING = frozenset("add continue go".split())
# the direct object is the hearer, never the content
ADDRESSEE = frozenset("tell inform assure reassure remind advise warn caution urge ask thank".split())
# verbs that are cues only with a particle
PARTICLE = {"point": "out", "rule": "out"}
# words that open the writer's aside after a reported content's comma or dash
ASIDE_WORDS = frozenset("though although even despite which whose when where while whereas except unlike".split())
# verbs whose clause is no attribution ('it is that ...', 'this means that ...', 'he made sure that ...')
NOT_CUES = frozenset("""
is are was were be been being 's 're am has have had having do does did doing get gets got getting
seem seems seemed appear appears appeared mean means meant make makes made ensure ensures ensured
go goes went come comes came take takes took turn turns turned prove proves proved look looks looked
sound sounds sounded become becomes became remain remains remained happen happens happened
allow allows allowed let lets require requires required help helps helped cause causes caused
investigate investigates investigated investigating examine examines examined examining determine
determines determined check checks checked test tests tested watch watches watched
""".split())
# adjectives of a held view after a copula ('is confident that', 'was critical of')
STATE_ADJECTIVES = frozenset("""
confident sure certain convinced concerned worried afraid optimistic pessimistic skeptical sceptical hopeful
critical supportive opposed adamant firm happy glad proud angry upset disappointed frustrated excited aware
unhappy wary fearful doubtful eager clear
""".split())
# nouns that hold what someone said or believes when a clause follows ('his claim that', 'her promise to')
CLAIM_NOUNS = frozenset("""
claim claims assertion argument suggestion warning promise pledge vow threat insistence allegation charge
belief view hope fear concern assumption expectation wish desire intention plan call demand criticism
contention statement announcement comment remark admission denial proposal
""".split())
AGENT_PRONOUNS = frozenset("he she they we i you".split())
MODALS = frozenset("will would could might may should must can shall 'll 'd wo ca".split())
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


def _inflections(lemma: str) -> set[str]:
    forms = {lemma}
    if lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif re.search(r"(s|sh|ch|x|z)$", lemma):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    elif re.search(r"[^aeiou]y$", lemma):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
    return forms


def _build_forms(lemmas: Iterable[str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for lemma in sorted(lemmas):
        for form in _inflections(lemma):
            forms.setdefault(form, lemma)
    forms.update(_IRREGULAR)
    return forms


_FORMS = _build_forms(CUE_VERBS | QUOTE_ONLY_VERBS | set(PREP_CONTENT))
_ISSUING_FORMS = frozenset(form for form, lemma in _build_forms(_ISSUING).items() if lemma in _ISSUING) | {"sent"}

OPEN_MARKS = "“«„‟"
CLOSE_MARKS = "”»"
STRAIGHT = '"'
QUOTE_CHARS = OPEN_MARKS + CLOSE_MARKS + STRAIGHT
# Penn Treebank style, as in WSJ-based corpora: ``quote''
PTB_OPEN, PTB_CLOSE = "``", "''"
_MARKS_AND_SPACE = QUOTE_CHARS + "`' "  # what to strip around a quote's words (marks of any style)
SINGLE_MARKS = "‘’'"
_DOUBLE_MARKS = re.compile("[“”«»„‟\"]|``|''")
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
DOCUMENT_NOUNS = frozenset("""
statement statements release communique communiqué letter memo report post tweet message
declaration note readout transcript filing summary document notice announcement decree bulletin
""".split())
_ANONYMITY = re.compile(r"(?:not to be (?:named|identified|quoted)|anonymity|on condition)", re.I)
# where something is said ('said in an interview that ...')
SPEECH_EVENTS = frozenset("""
interview decision ruling opinion speech remarks briefing conference hearing testimony op-ed
column editorial address appearance
""".split())
# heads of nominal speakers, to tell people from organisations when resolving pronouns
PERSON_NOUNS = frozenset("""
official spokesman spokeswoman spokesperson minister president secretary senator lawmaker ambassador
diplomat analyst expert leader chief director officer adviser advisor aide source mayor governor judge
lawyer attorney professor economist envoy representative chairman chairwoman chair premier
chancellor king queen prince princess general commander colonel admiral negotiator deputy candidate
executive ceo founder manager researcher scientist activist resident witness person man woman
member head strategist councilman councilwoman congressman congresswoman delegate prosecutor
investigator correspondent reporter editor author critic supporter opponent observer insider
republican democrat politician nominee speaker staffer father mother son daughter wife husband
""".split())
# heads whose "of/for/at/in/with/from X" names who they speak for ("a spokesman for the Kremlin")
AFFILIATION_NOUNS = frozenset("""
official officials spokesman spokeswoman spokesperson minister ministers secretary ambassador
diplomat diplomats leader leaders chief director officer officers adviser advisor aide aides
representative representatives chairman chairwoman chair member members head envoy negotiator
deputy lawyer lawyers attorney strategist staffer staff executive commander general president
premier governor mayor sources source
""".split())
ORG_NOUNS = frozenset("""
ministry department company firm government administration agency office kremlin pentagon
committee council party union bank court embassy group organization organisation commission army
military police campaign board parliament congress senate cabinet service bureau institute
authority authorities team club university school hospital corporation network station statement
report study survey newspaper outlet channel website regime state country nation city poll
""".split())
# the organisations whose staff news names by the organisation's common noun ('a ministry spokeswoman')
_EMPLOYERS = frozenset("ministry department embassy agency office committee campaign administration".split())
HUMAN_PLURALS = frozenset("""
people police residents voters citizens critics supporters protesters demonstrators investigators
authorities prosecutors lawmakers legislators officials democrats republicans conservatives
liberals progressives analysts experts economists leaders members workers employees students
parents teachers doctors nurses scientists researchers activists troops soldiers rebels militants
farmers owners executives investors traders bankers diplomats negotiators advocates opponents
sources witnesses relatives families victims survivors lawyers attorneys judges justices senators
representatives governors mayors ministers officers agents staff aides advisers advisors
""".split())
# speakers whose next unattributed quote is not theirs
_NO_INHERIT = frozenset("poll polls survey surveys study studies data analysis research report reports figures".split())
PRONOUNS = {
    "he": ("person", "m"), "him": ("person", "m"), "she": ("person", "f"), "her": ("person", "f"),
    "they": ("plural", ""), "them": ("plural", ""), "it": ("thing", ""),
    "i": ("self", ""), "we": ("self", ""), "you": ("self", ""), "me": ("self", ""), "us": ("self", ""),
}
_MALE_WORDS = frozenset("mr mr. sir king prince lord spokesman congressman chairman councilman father son husband brother".split())
_FEMALE_WORDS = frozenset("""
mrs mrs. ms ms. miss dame queen princess lady spokeswoman congresswoman chairwoman councilwoman mother
daughter wife sister
""".split())
_MALE_NAMES = frozenset("""
john james robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven steve paul andrew joshua kenneth kevin brian george timothy ronald edward
jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry
douglas peter kyle noah ethan jeremy walter keith roger terry sean gerald carl harold arthur
lawrence jesse bryan billy bruce gabriel joe albert willie alan eugene russell vincent philip bobby
johnny bradley mitch mitt chuck ted bernie barack vladimir dmitry dmitri sergei sergey mikhail
nikolai alexei alexey yuri boris viktor volodymyr petro emmanuel olaf recep xi hassan ali mohammed
muhammad ahmed abdullah narendra rishi keir jens antony mike rex lloyd jake jim bill hakeem marco
ron rudy newt dick al jimmy ronald gavin andy greg josh pete tim beto eric jared hunter lindsey
anatoly vasily vassily yevgeny valery vyacheslav konstantin leonid igor anton ramzan kirill andrei
tom rick bob rand raul craig glenn hans alejandro brody gordon kurt roy ben dan don rob chris matt
nick tony luis carlos juan miguel jorge pedro francisco antonio manuel ricardo mario sergio fernando
ahmad omar khalid hamid hossein javad mahmoud mohammad ebrahim benny yair naftali itamar amir ramin
mevlut thierry francois pierre jacques klaus wolfgang friedrich markus nigel liam dominic kwasi sajid
""".split()) - {"lindsey"}
_FEMALE_NAMES = frozenset("""
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret
sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca
sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha
katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce
virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline
martha gloria teresa ann sara frances kathryn janice jean abigail alice judy sophia grace denise
amber doris marilyn danielle beverly isabella theresa diana natalie charlotte marie alexis lori
hillary kamala nikki condoleezza madeleine jen karine kayleigh marjorie elise liz alexandria ilhan
rashida ayanna ursula kristalina giorgia marine annalena sanna jacinda maia yulia valentina elvira
tulsi kirsten tammy wendy avril gina loretta sheryl kathy gretchen stacey dianne kyrsten lisa
jill patty nan dina melania ivanka kellyanne hope kristy candy kerri penda jeanne mazie tina maxine
debbie claire heidi betsy kirstjen susana michele sonia elena jeanine meghan katie kate jane anne
marsha joni cindy shelley lucy ellen rosa carmen ana lucia sofia camila yolanda mariana beatriz
maryam fatima leila zahra golda tzipi ayelet theresa priti liz suella rachel angela ursula
""".split())
_TITLE_WORDS = frozenset("""
president minister secretary spokesman spokeswoman spokesperson chancellor senator sen rep governor gov
mayor ambassador general gen director chairman chairwoman leader chief commissioner judge justice envoy
adviser advisor speaker premier king queen prince princess mr mrs ms dr prof sir dame lt col adm
representative congressman congresswoman coach captain officer sheriff attorney chair chairperson
""".split())
_TITLE_PREFIX = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Sen|Rep|Gov|Gen|Lt|Col|Prof|Rev|President|Vice President|"
    r"Prime Minister|Foreign Minister|Secretary|Minister|Senator|Governor|Ambassador|Chancellor|"
    r"Spokesman|Spokeswoman|Judge|General|Premier|King|Queen|Prince|Pope)\.?\s+)+"
)


# ============================================================================ quotes
@dataclass
class Quote:
    """A direct quotation found from the quotation marks (or a paragraph quoted after a colon)."""

    start: int  # offset of the opening mark
    end: int  # offset just past the closing mark (the end of the paragraph when unclosed)
    closed: bool = True
    block: bool = False


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs, without their outer whitespace: separated by blank
    lines when the text has any, else by single newlines."""
    sep = re.compile(r"\n[^\S\n]*\n\s*") if re.search(r"\n[^\S\n]*\n", text) else re.compile(r"\n\s*")
    spans = []
    pos = 0
    for match in sep.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        stripped = chunk.strip()
        if stripped:
            s2 = s + (len(chunk) - len(chunk.lstrip()))
            out.append((s2, s2 + len(stripped)))
    return out


def find_quotes(text: str, paragraphs: Sequence[tuple[int, int]] | None = None, doc_id: str = "doc") -> list[Quote]:
    """Direct quotations from double quotation marks (curly, straight, guillemets).

    A quote left open at the end of a paragraph continues when the next paragraph opens with a
    quotation mark (the news convention for long quotes); otherwise it ends with its paragraph,
    with a warning. A stray closing mark is skipped with a warning. Marks nested inside a quote
    are part of it; when they leave the quote open, the outer quote is taken to end where the
    inner one opens (a missing closing mark), with a warning.
    """
    paragraphs = list(paragraph_spans(text) if paragraphs is None else paragraphs)
    quotes: list[Quote] = []
    open_at: int | None = None
    straight = False
    depth = 0
    nested: list[int] = []
    k = 0
    while k < len(paragraphs):
        p_start, p_end = paragraphs[k]
        pos = p_start
        continuing = open_at is not None
        while pos < p_end:
            ch = text[pos]
            width = 1
            if ch in "`'":
                if text.startswith(PTB_OPEN, pos):
                    ch, width = "“", 2
                elif text.startswith(PTB_CLOSE, pos):
                    # two apostrophes close a ``quote'', and open one too where they stand before a
                    # word after a space (''quote'', the house style of some papers)
                    ch, width = ("“" if _looks_opening(text, pos, 2) else "”"), 2
                else:
                    pos += 1
                    continue
            elif ch not in QUOTE_CHARS:
                pos += 1
                continue
            if continuing and pos == p_start and ch not in CLOSE_MARKS:
                continuing = False  # the opening mark of a continued paragraph
                pos += width
                continue
            continuing = False
            if open_at is None:
                if ch in CLOSE_MARKS or (ch == STRAIGHT and _looks_closing(text, pos) and not _looks_opening(text, pos)):
                    log.warning("%s: stray closing quotation mark at %s; skipped", doc_id, _where(text, pos))
                else:
                    open_at, straight, depth, nested = pos, ch == STRAIGHT, 1, []
            elif ch == STRAIGHT and straight:
                if _looks_opening(text, pos) and not _looks_closing(text, pos):
                    # an opening mark while a quote is open: the earlier one was never closed
                    log.warning("%s: quotation mark at %s is never closed; skipped", doc_id, _where(text, open_at))
                    open_at = pos
                else:
                    quotes.append(Quote(open_at, pos + 1))
                    open_at = None
            elif ch == "“" and text[open_at] == "„" and depth == 1:
                quotes.append(Quote(open_at, pos + 1))  # German „...“
                open_at = None
            elif ch in OPEN_MARKS or (ch == STRAIGHT and not _looks_closing(text, pos)):
                depth += 1
                nested.append(pos)
            else:  # a closing mark
                depth -= 1
                if depth == 0:
                    quotes.append(Quote(open_at, pos + width))
                    open_at = None
            pos += width
        if open_at is None:
            k += 1
            continue
        if nested:
            # an inner opening mark never closed: the outer quote ends before it
            cut = nested[0]
            end = open_at + len(text[open_at:cut].rstrip())
            log.warning("%s: unbalanced quotation marks at %s; the quote is taken to end at %s", doc_id,
                        _where(text, open_at), _where(text, cut))
            if end > open_at + 1:
                quotes.append(Quote(open_at, end, closed=False))
            open_at = None
            paragraphs[k] = (cut, p_end)
            continue
        nxt = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
        if nxt is not None and (text[nxt[0]] in OPEN_MARKS + STRAIGHT or text.startswith((PTB_OPEN, PTB_CLOSE), nxt[0])):
            k += 1  # the quote goes on in the next paragraph
            continue
        log.warning("%s: quotation mark at %s is never closed; the quote is taken to the end of its paragraph",
                    doc_id, _where(text, open_at))
        if p_end > open_at + 1:
            quotes.append(Quote(open_at, p_end, closed=False))
        open_at = None
        k += 1
    return quotes


def single_quotes_as_double(text: str) -> str:
    """For an article quoted in single marks (British style: 'We will respond,' he said), the text
    with those marks that read as quotation marks turned into “ and ” (same length, so offsets
    hold); an article with any double quotation mark is returned as it is (its single marks are
    apostrophes or nested quotes). Apostrophes stay: inside a word (don't, Russia's), a plural
    possessive before a lower-case word (the protesters' demands), a year ('90s)."""
    if not any(ch in text for ch in SINGLE_MARKS) or _DOUBLE_MARKS.search(text):
        return text
    out = list(text)
    n = len(text)
    for pos, ch in enumerate(text):
        if ch not in SINGLE_MARKS:
            continue
        before = text[pos - 1] if pos > 0 else " "
        after = text[pos + 1] if pos + 1 < n else " "
        if before.isalnum() and after.isalnum():
            continue  # don't, Russia's
        if re.match(r"\d\ds\b", text[pos + 1 : pos + 5]):
            continue  # the '90s
        if ch != "’" and _looks_opening(text, pos) and not _looks_closing(text, pos):
            out[pos] = "“"
        elif ch != "‘" and _looks_closing(text, pos) and not _looks_opening(text, pos):
            if before.isalpha() and re.match(r" [a-z]", text[pos + 1 : pos + 3]) and before in "sz":
                continue  # the protesters' demands
            out[pos] = "”"
    return "".join(out)


def _looks_closing(text: str, pos: int) -> bool:
    """A straight quotation mark closes when it follows a non-space and does not precede a word."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + 1] if pos + 1 < len(text) else " "
    return not before.isspace() and before not in "([{" and not after.isalnum()


def _looks_opening(text: str, pos: int, width: int = 1) -> bool:
    """A straight quotation mark opens when it follows a space (or start, bracket, dash) and
    precedes a non-space."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[pos + width] if pos + width < len(text) else " "
    return (before.isspace() or before in "([{—–-/") and not after.isspace()


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


# ============================================================================ the article view
_IDS: tuple[dict[int, str], frozenset[int], frozenset[int], frozenset[int]] | None = None


_PATTERN_IDS: tuple[int, int, frozenset[int]] | None = None


def _pattern_ids() -> tuple[int, int, frozenset[int]]:
    """Hashes of the ccomp and acomp labels and of the claim nouns."""
    global _PATTERN_IDS
    if _PATTERN_IDS is None:
        from spacy.strings import get_string_id as sid

        _PATTERN_IDS = (sid("ccomp"), sid("acomp"), frozenset(sid(w) for w in CLAIM_NOUNS))
    return _PATTERN_IDS


def _string_ids() -> tuple[dict[int, str], frozenset[int], frozenset[int], frozenset[int]]:
    """Hashes of the cue forms, verb tags, subject labels and noun tags (to scan token arrays)."""
    global _IDS
    if _IDS is None:
        from spacy.strings import get_string_id as sid

        _IDS = (
            {sid(form): form for form in [*_FORMS, "according", "citing"]},
            frozenset(sid(t) for t in ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ")),
            frozenset(sid(d) for d in ("nsubj", "nsubjpass")),
            frozenset(sid(t) for t in ("NN", "NNS", "NNP", "NNPS")),
        )
    return _IDS


class _Article:
    """A parsed article with the lookups the rules need, built once per document."""

    def __init__(self, doc: Any, doc_id: str, text: str | None = None) -> None:
        import numpy as np
        from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, IDX, IS_ALPHA, IS_ASCII, IS_STOP, LOWER, SENT_START, TAG

        self.doc = doc
        self.doc_id = doc_id
        self.text = doc.text if text is None else text  # Doc.text is rebuilt on every access
        self.n = len(doc)
        attrs = [IDX, SENT_START, LOWER, TAG, ENT_IOB, ENT_TYPE, IS_ALPHA, IS_ASCII, IS_STOP, DEP]
        arr = doc.to_array(attrs) if self.n else np.zeros((0, len(attrs)), dtype="uint64")
        self.lexical = arr[:2000, 6:9]  # is_alpha, is_ascii, is_stop of the first tokens
        self.idx: list[int] = arr[:, 0].astype("int64").tolist()
        starts = np.flatnonzero(arr[:, 1] == 1).tolist()
        if not starts or starts[0] != 0:
            starts = [0, *starts]
        self.sent_start = [0] * self.n
        self.sent_end = [0] * self.n
        for k, s in enumerate(starts):
            e = starts[k + 1] if k + 1 < len(starts) else self.n
            self.sent_start[s:e] = [s] * (e - s)
            self.sent_end[s:e] = [e] * (e - s)
        cue_ids, verb_tags, subject_deps, noun_tags = _string_ids()
        deps = arr[:, 9].tolist()
        lower, tags = arr[:, 2].tolist(), arr[:, 3].tolist()
        self.cue_tokens = [i for i in range(self.n) if lower[i] in cue_ids
                           and (tags[i] in verb_tags or cue_ids[lower[i]] == "according")]
        self.subjects = [i for i in range(self.n) if deps[i] in subject_deps and tags[i] in noun_tags]
        # tokens the patterns outside the cue lists start from (found on the arrays: a scan of the
        # tokens themselves would cost as much as the rest of the rules)
        ccomp, acomp, claim_ids = _pattern_ids()
        self.clause_tokens = [i for i in range(self.n) if deps[i] == ccomp]
        self.acomp_tokens = [i for i in range(self.n) if deps[i] == acomp]
        self.claim_nouns = [i for i in range(self.n) if lower[i] in claim_ids]
        self.paragraphs = paragraph_spans(self.text)
        self.par_starts = [s for s, _ in self.paragraphs]
        # the text quotes are read from: single marks as double ones in a British-style article
        self.qtext = single_quotes_as_double(self.text)
        self.quotes = find_quotes(self.qtext, self.paragraphs, doc_id)
        self.quote_of = [-1] * self.n  # token -> index of the quote holding it
        for qi, quote in enumerate(self.quotes):
            self._mark(qi, quote)
            if not quote.closed:
                self._repair_unclosed(qi)
        self.ents = _entities(doc, arr[:, 4].tolist(), arr[:, 5].tolist())
        self.ent_of: dict[int, Any] = {i: ent for ent in self.ents for i in range(ent.start, ent.end)}

    def in_headline(self, i: int) -> bool:
        """Token ``i`` is in a title-case line without a full stop (a headline: 'Trump Attacks Harris')."""
        pos = self.idx[i]
        k = bisect.bisect_right(self.par_starts, pos) - 1
        if k < 0:
            return False
        start, end = self.paragraphs[k]
        if end - start > 250:  # a headline is short (and long paragraphs are not scanned for every cue)
            return False
        line = self.text[start:end]
        words = re.findall(r"[A-Za-z][\w'’-]*", line)
        if not words or line.rstrip().endswith((".", "!", "?", "”", '"')) or len(words) > 20:
            return False
        return sum(w[0].isupper() for w in words) >= 0.6 * len(words)

    def _mark(self, qi: int, quote: Quote) -> None:
        lo, hi = bisect.bisect_left(self.idx, quote.start), bisect.bisect_left(self.idx, quote.end)
        self.quote_of[lo:hi] = [qi] * (hi - lo)

    def _repair_unclosed(self, qi: int) -> None:
        """An unclosed quote that swallowed its attribution ('"We will appeal, the lawyer said.')
        ends at the comma before the attribution."""
        doc = self.doc
        lo, hi = self.quote_tokens(qi)
        for v in range(lo + 2, hi):
            verb = doc[v]
            if cue_lemma(verb) is None:
                continue
            subj = _subject(verb)
            if subj is None:
                continue
            edge = min(subj.left_edge.i, v)
            if edge - 1 > lo and doc[edge - 1].text == "," and (subj.i < v or edge == v):
                end = doc[edge - 1].idx + 1
                log.warning("%s: the unclosed quote at %s is taken to end before its attribution at %s",
                            self.doc_id, _where(self.text, self.quotes[qi].start), _where(self.text, doc[edge].idx))
                self.quote_of[lo:hi] = [-1] * (hi - lo)
                self.quotes[qi] = Quote(self.quotes[qi].start, end, closed=False)
                self._mark(qi, self.quotes[qi])
                return

    def add_quote(self, quote: Quote) -> int:
        self.quotes.append(quote)
        self._mark(len(self.quotes) - 1, quote)
        return len(self.quotes) - 1

    def quote_tokens(self, qi: int) -> tuple[int, int]:
        quote = self.quotes[qi]
        return bisect.bisect_left(self.idx, quote.start), bisect.bisect_left(self.idx, quote.end)

    def paragraph_of(self, i: int) -> int:
        return bisect.bisect_right(self.par_starts, self.idx[i]) - 1

    def char_span(self, span: tuple[int, int]) -> tuple[int, int]:
        i, j = span
        last = self.doc[j - 1]
        return self.idx[i], last.idx + len(last.text)

    def span_text(self, span: tuple[int, int]) -> str:
        s, e = self.char_span(span)
        return self.text[s:e]

    def ends_sentence_quote(self, i: int) -> bool:
        """Token ``i`` closes a quote whose last character inside is a sentence end (."!?)."""
        qi = self.quote_of[i]
        if qi < 0 or self.quote_tokens(qi)[1] != i + 1:
            return False
        inner = self.qtext[self.quotes[qi].start : self.quotes[qi].end].rstrip(_MARKS_AND_SPACE)
        return inner.endswith((".", "!", "?", "…"))


def _entities(doc: Any, iob: list[int], types: list[int]) -> list[Any]:
    """``doc.ents`` from the IOB arrays (much faster than the property on long documents)."""
    from spacy.tokens import Span

    out = []
    start = None
    for i, code in enumerate([*iob, 3]):
        if start is not None and code != 1:  # anything but I- ends the running entity
            out.append(Span(doc, start, i, label=types[start]))
            start = None
        if code == 3 and i < len(iob):  # B-
            start = i
    return out


@dataclass
class _Candidate:
    """A statement before speaker resolution, as token ranges into the Doc."""

    kind: str
    fragments: list[tuple[int, int]]  # token ranges [i, j)
    cue: tuple[int, int]  # token range of the cue
    speaker: tuple[int, int] | None  # token range of the speaker mention
    speaker_head: int | None  # token index of the speaker's head word
    how: str  # quote, block, orphan, reported, according, citing
    target_head: int | None = None  # an object naming the target ("accuses Russia of ...")
    quotes: list[int] = field(default_factory=list)  # the quotes it owns
    rule: str = ""  # the registered pattern that found it (see RULES)

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]


# ============================================================================ parse helpers
def cue_lemma(token: Any) -> str | None:
    """The lemma of a cue verb (a verb of speech or belief, as a verb), else ``None``."""
    if not token.tag_.startswith("VB") or token.dep_ in ("amod", "compound"):
        return None
    lemma = _FORMS.get(token.lower_)
    if lemma is None:
        return None
    need = PARTICLE.get(lemma)
    if need and not any(c.dep_ == "prt" and c.lower_ == need for c in token.children):
        return None
    return lemma


def _blocked(verb: Any) -> bool:
    """A negated, modal or infinitive cue ("did not say", "will say", "plans to say"), or a
    participle modifying something else ("Asked about it, he said")."""
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if verb.dep_ == "conj" and not aux and verb.head.tag_.startswith("VB") and _second_act(verb) is None:
        aux = [c for c in verb.head.children if c.dep_ in ("aux", "auxpass")]  # 'should meet and outline'
    for child in verb.children:
        if child.dep_ == "neg":
            return True
    for child in aux:
        if child.lower_ in MODALS:
            return True
        if child.tag_ == "TO" and verb.head.lower_ not in {"go", "went", "goes", "continue", "continued", "continues"}:
            return True
    if verb.tag_ == "VBN" and not aux and verb.dep_ in ("advcl", "acl", "amod", "ROOT", "conj", "xcomp"):
        return not any(c.dep_ == "nsubj" for c in verb.children)
    if (verb.tag_ == "VBD" and verb.dep_ == "advcl" and verb.i < verb.head.i and not aux
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)):
        return True  # 'Asked whether the talks would resume, Price said' with 'Asked' tagged as a past tense
    return False


def _subject(verb: Any) -> Any | None:
    """The subject of a verb (for "which said", the noun the relative clause modifies)."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if len(subjects) > 1:
        # two subjects parsed: the nearest ('LONDON — Britain's Foreign Secretary said', '"..., Mr.
        # President," Clinton remarked', '"... [a long quote]," reads the statement')
        subjects = sorted(subjects, key=lambda c: abs(c.i - verb.i))
    for child in subjects:
        if child.dep_ == "nsubj":
            if child.tag_ in ("WDT", "WP") or child.lower_ == "that":
                return verb.head if verb.dep_ == "relcl" and verb.head.tag_.startswith(("NN", "PRP")) else None
            return child
    return None


def _second_act(verb: Any) -> Any | None:
    """The cue verb a coordinated cue belongs with when the parser hung it inside the first one's
    content: 'Zakharova said the weapons would only prolong the suffering and accused the United
    States of ...' ('accused' is hers, not the weapons'). Only when the content cannot share the
    verb: its clause has a modal a past tense cannot share, or a subject that cannot speak."""
    clause = verb.head
    if verb.dep_ != "conj" or clause.dep_ != "ccomp" or clause.i > verb.i or clause.head.i > clause.i:
        return None
    outer = clause.head
    if (cue_lemma(outer) not in SPEECH_VERBS or cue_lemma(verb) not in CUE_VERBS or verb.tag_ != outer.tag_
            or any(c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass") for c in verb.children)):
        return None
    if any(c.dep_ == "aux" and c.lower_ in MODALS for c in clause.children):
        return outer  # 'would prolong ... and accused': a past tense cannot share the modal
    subj = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None or subj.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or subj.tag_.startswith("NNP") \
            or subj.lower_ in PRONOUNS \
            or subj.lower_ in PERSON_NOUNS or _singular(subj.lower_) in PERSON_NOUNS or subj.lower_ in ORG_NOUNS:
        return None
    return outer


def _inherited_subject(verb: Any) -> Any | None:
    """The subject of a verb, or of the verb it hangs from ("..., adding that", "by blaming").

    A participle the parser hung inside another statement's content ('Boehner said money should not
    be an issue, telling reporters ...') belongs to that statement's speaker, not the content's subject."""
    if verb.tag_ == "VBG" and verb.dep_ == "advcl" and verb.i > 0 and verb.doc[verb.i - 1].text == ",":
        node, steps = verb.head, 0
        while node.head.i != node.i and steps < 4 and cue_lemma(node) not in CUE_VERBS:
            node, steps = node.head, steps + 1
        if node is not verb.head and cue_lemma(node) in CUE_VERBS and node.i < verb.i:
            return _inherited_subject(node)
    if (verb.dep_ in ("advcl", "conj", "ccomp") and verb.i >= 2 and _subject(verb) is None
            and not any(c.dep_ in ("aux", "auxpass", "nsubjpass") for c in verb.children)):
        # '... for an impeachment inquiry and Democrats say they are ...' with 'Democrats' parsed
        # as a conjunct of the noun before: a finite verb right after a noun phrase has it as subject
        prev = verb.doc[verb.i - 1]
        if (prev.dep_ == "conj" and prev.tag_ in ("NNS", "NNP", "NNPS", "PRP") and prev.head.i < prev.i
                and (verb.tag_ in ("VBP", "VBZ") or verb.doc[prev.left_edge.i - 1].lower_ == "and")):
            return prev
    if verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb.head.head.lower_ in ("quoted", "quotes", "quote", "cited"):
        # 'KCNA quoted Kim Yo Jong as saying': the one quoted speaks, not the agency
        quoted = next((c for c in verb.head.head.children if c.dep_ == "dobj"), None)
        if quoted is not None:
            return quoted
    node = _second_act(verb) or verb
    for _ in range(4):
        subj = _subject(node)
        if subj is not None:
            return subj
        if node.lower_ in ("quoted", "cited"):  # "was quoted as saying"
            for child in node.children:
                if child.dep_ == "nsubjpass":
                    return child
        if node.dep_ in ("conj", "advcl", "xcomp", "pcomp", "prep") and node.head.i != node.i:
            node = node.head
        elif (node.dep_ == "dep" and node.head.i < node.i and node.head.tag_ in ("VBN", "VBD")
              and node.i > 0 and node.doc[node.i - 1].text == ","):
            # 'McConnell, asked about the remarks, said ...' parsed with 'asked' as the main verb
            subj = _subject(node.head)
            return subj if subj is not None and subj.i < node.head.i else None
        else:
            return None
    return None


def _is_dash(token: Any) -> bool:
    """A dash between words or phrases; not the hyphen inside a name ('Jean-Pierre')."""
    if token.text not in DASHES:
        return False
    if token.text == "-" and not token.whitespace_ and token.i > 0 and not token.doc[token.i - 1].whitespace_:
        return False
    return True


def _trim(art: _Article, i: int, j: int, *, keep_comma: bool = False) -> tuple[int, int] | None:
    """A token range without spaces and edge punctuation (quotation marks stay), and without a
    leading dateline ('BRUSSELS (AP) — ')."""
    doc = art.doc
    for d in range(i, min(j, i + 8)):
        if doc[d].text in DASHES:
            words = [t for t in doc[i:d] if t.is_alpha]
            if words and all(t.is_upper or t.text in ("AP", "Reuters", "AFP") for t in words):
                i = d + 1
            break
    while i < j and (doc[i].is_space or doc[i].text in LEAD_PUNCT):
        i += 1
    while j > i:
        last = doc[j - 1]
        if last.is_space or (last.text in TRAIL_PUNCT and not (keep_comma and last.text == ",")):
            j -= 1
        else:
            break
    return (i, j) if j > i else None


def _np_span(art: _Article, head: Any, lo: int, hi: int) -> tuple[int, int]:
    """The noun phrase of ``head`` inside [lo, hi), never crossing into a quote."""
    i, j = max(head.left_edge.i, lo), min(head.right_edge.i + 1, hi)
    own = art.quote_of[head.i]
    for k in range(head.i, j):
        if art.quote_of[k] != own or "\n" in art.doc[k].text:
            j = k
            break
    for k in range(head.i - 1, i - 1, -1):
        if art.quote_of[k] != own or "\n" in art.doc[k].text or _is_dash(art.doc[k]):
            i = k + 1  # also after a dateline ('DES MOINES — A crowded field ...')
            break
    for c in head.children:  # 'Nikki Haley on Sunday': the date is no part of the speaker
        if c.dep_ == "prep" and head.i < c.i < j and any(g.ent_type_ in ("DATE", "TIME") for g in c.children):
            j = c.i
            break
    if j - i > 16:  # too long for a mention: the words up to the head
        i, j = max(i, head.i - 8), head.i + 1
    span = _trim(art, i, j)
    return span if span else (head.i, head.i + 1)


def _speaker_span(art: _Article, subj: Any, verb: Any, hi: int | None = None) -> tuple[int, int]:
    lo = art.sent_start[subj.i]
    if hi is None:
        hi = verb.i if subj.i < verb.i else art.sent_end[subj.i]
    if verb.i in {t.i for t in subj.subtree}:  # "the minister, who said ..."
        hi = min(hi, verb.left_edge.i)
    return _np_span(art, subj, lo, hi)


def _clause_start(art: _Article, i: int) -> int:
    """The first token of the clause holding token ``i``: after the last sentence end, colon,
    semicolon, other quote or paragraph break before it, within its sentence."""
    doc = art.doc
    k = i - 1
    floor = art.sent_start[i]
    own = art.quote_of[i]
    while k >= floor:
        t = doc[k]
        if (art.quote_of[k] >= 0 and art.quote_of[k] != own) or t.text in CLAUSE_END or "\n" in t.text:
            break
        k -= 1
    k += 1
    while k < i and doc[k].is_space:
        k += 1
    return k


def _sentence_bounds(art: _Article, i: int) -> tuple[int, int]:
    """The sentence of token ``i``, also cut after a quote that ends a sentence inside its marks
    (the parser often runs on past a closing '."' into the next sentence)."""
    lo, hi = art.sent_start[i], art.sent_end[i]
    for k in range(i - 1, lo - 1, -1):
        if art.ends_sentence_quote(k) and art.quote_of[i] != art.quote_of[k]:
            lo = k + 1
            break
    for k in range(i, hi):
        if art.ends_sentence_quote(k) and art.quote_of[i] != art.quote_of[k] and k + 1 < hi:
            nxt = art.doc[k + 1]
            if nxt.is_space or nxt.is_title or art.qtext[nxt.idx] in OPEN_MARKS:
                hi = k + 1
                break
    return lo, hi


# ============================================================================ direct quotes
_Attribution = tuple[tuple[int, int], Any, tuple[int, int]]  # cue range, speaker head, speaker span


def _attribution_after(art: _Article, qi: int) -> _Attribution | None:
    """'"...," he said' / 'said Smith' / 'according to X' / '— Smith' right after quote ``qi``."""
    doc = art.doc
    _, q_end = art.quote_tokens(qi)
    k = q_end
    while k < art.n and doc[k].is_space and "\n" not in doc[k].text:
        k += 1
    if k >= art.n or art.quote_of[k] >= 0 or doc[k].is_space:
        return None
    stop = art.sent_end[k]
    if stop <= k + 1 < art.n:
        stop = art.sent_end[k + 1]
    end = k
    while end < stop and art.quote_of[end] < 0 and "\n" not in doc[end].text:
        end += 1
    first = doc[k]
    quote = art.quotes[qi]
    # a quote closed by a full stop ('...actions."') followed by a capital starts a new sentence, which is
    # its attribution only when short ('"We will win." Smith said.', sloppy but seen)
    closed_sentence = (art.qtext[quote.start + 1 : quote.end].rstrip(_MARKS_AND_SPACE).endswith(".")
                       and first.text[:1].isupper())
    if first.lower_ == "according" and k + 1 < end and doc[k + 1].lower_ == "to":
        obj = next((c for c in doc[k + 1].children if c.dep_ == "pobj"), None)
        after = obj.right_edge.i + 1 if obj is not None else end
        if obj is not None and (after >= end or doc[after].text in CLAUSE_END):
            return (k, k + 2), obj, _np_span(art, obj, k + 2, end)
        return None
    if first.text in DASHES:
        # '"..." — Jane Doe, mayor of Springfield'
        span = _trim(art, k + 1, end)
        if span and span[1] - span[0] <= 10 and doc[span[0]].is_title:
            if not any(doc[m].tag_.startswith("VB") for m in range(*span)):
                head = next((m for m in range(*span) if doc[m].tag_.startswith("NNP")), span[0])
                while doc[head].dep_ == "compound" and span[0] <= doc[head].head.i < span[1]:
                    head = doc[head].head.i
                return (k, k + 1), doc[head], span
        return None
    # '..." the student, who asked not to be named, told CNN': not the verbs of a relative clause
    relative = {t.i for m in range(k, min(end, k + 25)) if doc[m].dep_ == "relcl" and doc[m].head.i < m
                and doc[m].head.tag_.startswith(("NN", "PRP")) for t in doc[m].subtree}
    for v in range(k, min(end, k + 25)):
        token = doc[v]
        if (not token.tag_.startswith("VB") and token.tag_ != "MD") or v in relative:
            continue
        lemma = _FORMS.get(token.lower_) if token.tag_.startswith("VB") else None
        if lemma is None:
            if token.dep_ in ("aux", "auxpass") or token.tag_ == "MD":
                continue
            if any(c.dep_ == "xcomp" and c.i > v and _FORMS.get(c.lower_) in SPEECH_VERBS for c in token.children):
                continue  # '..." Sessions plans to tell officers': prepared remarks, his
            return None
        if token.tag_ == "VBG" and v == k:  # '"...," adding that' is no attribution
            return None
        if _has_own_content(art, token, lemma):
            return None
        if closed_sentence and (end - v > 8 or any(doc[m].tag_.startswith("VB") for m in range(v + 1, end))
                                or (end < art.n and art.quote_of[end] >= 0)):
            # ('..." McHenry added, "He ...': the attribution of the next quote)
            # '..." Blinken also called on Moscow to ...': a new sentence, not the quote's attribution
            return None
        subj = _subject(token)
        if subj is None and token.dep_ == "xcomp" and k <= token.head.i < v:
            subj = _subject(token.head)  # 'Sessions plans to tell'
        if subj is not None and any(c.dep_ == "aux" and c.i < subj.i for c in token.children):
            return None  # '..." Has Neil asked his father?': a question, no attribution
        if subj is not None and k <= subj.i < end:
            subtree = {t.i for t in subj.subtree}
            between = [m for m in range(k, v) if m not in subtree and not (doc[m].is_space or doc[m].is_punct)
                       and doc[m].tag_ not in ("RB", "MD") and doc[m].dep_ not in ("aux", "auxpass", "advmod", "npadvmod")
                       and not (token.dep_ == "xcomp" and m == token.head.i)]
            if between:
                return None
            return (v, v + 1), subj, _np_span(art, subj, k, v if subj.i < v else end)
        if subj is None and v == k:
            # 'said Smith', when the parse did not make Smith the subject
            for m in range(v + 1, min(end, v + 6)):
                if doc[m].tag_.startswith(("NN", "PRP")):
                    head = doc[m]
                    while head.dep_ == "compound" and head.head.i > head.i:
                        head = head.head
                    return (v, v + 1), head, _np_span(art, head, v + 1, end)
        return None
    return None


def _rest_after_cue(art: _Article, verb: Any, sent_hi: int) -> list[tuple[int, int]]:
    """What goes on after a fronted content's cue and its comma ('"It's our bad luck," he said, that
    both men had ties to the mosque'; 'One offered to help, Bob said, while others refused'): more
    of the same content, unless it is an attribution of its own or a participle ('..., adding ...')."""
    doc = art.doc
    if any(c.dep_ == "nsubj" and c.i > verb.i for c in verb.children):
        return []  # 'Prices will fall, said Ravi Patel, an economist': what follows is the speaker's
    k = verb.i + 1
    while k < sent_hi and k - verb.i <= 12 and doc[k].text not in (",", ":") and not doc[k].is_space:
        if doc[k].tag_.startswith("VB") or art.quote_of[k] >= 0:
            return []
        k += 1
    if k >= sent_hi - 1 or doc[k].text not in (",", ":"):
        return []
    rest = _trim(art, k + 1, sent_hi)
    if rest is None or sum(doc[m].is_alpha for m in range(*rest)) < 3:
        return []
    first = doc[rest[0]]
    if first.tag_ == "VBG" or first.lower_ in ("and", "adding", "saying", "according", "citing") or \
            (first.lower_ in ASIDE_WORDS and first.lower_ not in ("while", "whereas")) or any(
            cue_lemma(doc[m]) in SPEECH_VERBS and any(c.dep_ == "nsubj" for c in doc[m].children) for m in range(*rest)):
        return []
    return [rest]


def _has_own_content(art: _Article, verb: Any, lemma: str) -> bool:
    """A verb after a quote that reports something else ('"..." She said Smith had left.').

    A clause inside a quote is the second half of a split quote ('"A," he said later, "b."'),
    which the parser may hang on the verb: no content of its own."""
    doc = verb.doc
    for child in verb.children:
        if child.i <= verb.i or child.dep_ not in ("ccomp", "dobj"):
            continue
        if art.quote_of[child.i] >= 0:
            q_start = art.quote_tokens(art.quote_of[child.i])[0]
            between = doc[verb.i + 1 : q_start]
            new_sentence = q_start >= art.sent_end[verb.i] or any(t.text in (".", "!", "?", ":", ";") for t in between)
            if new_sentence or all(t.is_punct or t.is_space or t.tag_ == "RB"
                                   or t.dep_ in ("nsubj", "compound", "advmod", "npadvmod") for t in between):
                continue  # the quote goes on after the attribution: '"A," he said later, "b."'
            return True
        if child.dep_ == "ccomp":
            return True
        if child.dep_ == "dobj" and lemma not in ADDRESSEE and lemma != "read" and child.tag_ not in ("PRP",):
            return True
    return False


def _attribution_before(art: _Article, qi: int, lo: int) -> _Attribution | None:
    """'Smith said: "..."' / 'told reporters, "..."' right before quote ``qi`` (tokens from ``lo``)."""
    doc = art.doc
    q_start, _ = art.quote_tokens(qi)
    k = q_start - 1
    while k >= lo and doc[k].is_space:
        k -= 1
    if k < lo:
        return None
    last = doc[k]
    if not (last.text in (":", ",") or last.text in DASHES or cue_lemma(last)):
        return None
    if last.text not in (":", ",") and last.text not in DASHES and not _full_clause_quote(art, qi):
        return None  # 'argues "legislature" means ...': the quote is part of the reported clause
    if last.text == ":" and not any(doc[m].tag_.startswith("VB") for m in range(lo, k)):
        # a headline's 'Putin: "We will respond."': a short name and a colon
        head = next((doc[m] for m in range(k - 1, lo - 1, -1) if doc[m].tag_ in ("NNP", "NNPS")), None)
        if head is not None and k - lo <= 4 and all(lo <= t.i < k for t in head.subtree):
            return (k, k + 1), head, _trim(art, lo, k) or (head.i, head.i + 1)
        return None
    for v in range(k, max(lo, k - 20) - 1, -1):
        token = doc[v]
        if art.quote_of[v] >= 0:
            return None
        lemma = _FORMS.get(token.lower_) if token.tag_.startswith("VB") else None
        if lemma is None:
            if (token.tag_.startswith("VB") and token.dep_ not in ("aux", "auxpass")) or token.dep_ == "mark":
                return None
            continue
        if _blocked(token):
            return None
        subj = _inherited_subject(token)
        if subj is None or art.quote_of[subj.i] >= 0:
            return None
        for m in range(v + 1, k):
            t = doc[m]
            if t.tag_.startswith("VB") or t.tag_ == "MD" or t.dep_ in ("mark", "nsubj"):
                return None
        return (v, v + 1), subj, _speaker_span(art, subj, token)
    return None


def _full_clause_quote(art: _Article, qi: int) -> bool:
    """A quote that reads as a sentence: a capital first letter, three words or more, and the
    sentence ending with it."""
    quote = art.quotes[qi]
    inner = art.qtext[quote.start + 1 : quote.end].strip(_MARKS_AND_SPACE)
    if not inner[:1].isupper() or len(inner.split()) < 3:
        return False
    _, q_end = art.quote_tokens(qi)
    nxt = next((k for k in range(q_end, min(art.n, q_end + 3)) if not art.doc[k].is_space), None)
    return inner.endswith((".", "!", "?")) or nxt is None or art.doc[nxt].text in CLAUSE_END


def _direct_candidates(art: _Article) -> list[_Candidate]:
    """Statements built around the quotes: attribution after or before the quote."""
    doc = art.doc
    out: list[_Candidate] = []
    by_cue: dict[int, _Candidate] = {}
    owned: set[int] = set()  # tokens of attributions found so far
    for qi in range(len(art.quotes)):
        q_start, q_end = art.quote_tokens(qi)
        if q_end <= q_start:
            continue
        found = _attribution_after(art, qi)
        if found is not None:
            cue, subj, speaker = found
            start = _clause_start(art, q_start)
            while start < q_start and any(m in owned for m in range(start, q_start)):
                start += 1
            content = (q_start, q_end)
            if start < q_start:  # text before the quote in its clause: a mixed statement
                content = _trim(art, start, q_end) or content
            cand = by_cue.get(cue[0])
            if cand is None:
                cand = _Candidate("direct", [content], cue, speaker, subj.i, "quote", rule="quote-after")
                by_cue[cue[0]] = cand
                out.append(cand)
            cand.quotes.append(qi)
            owned.update(range(*cue), range(*speaker))
            continue
        lo = _clause_start(art, q_start)
        if lo == q_start:
            # the quote opens its clause: the attribution may end the clause before
            prev = q_start - 1
            while prev >= 0 and doc[prev].is_space and "\n" not in doc[prev].text:
                prev -= 1
            if prev >= 0 and (doc[prev].text in (":", ",") or doc[prev].text in DASHES):
                lo = _clause_start(art, prev)
            elif prev >= 0 and "\n" in doc[prev].text:
                # a paragraph opening with the quote after a paragraph that ends with a colon
                k = prev
                while k >= 0 and doc[k].is_space:
                    k -= 1
                if k >= 0 and doc[k].text == ":":
                    lo = _clause_start(art, k)
        found = _attribution_before(art, qi, lo) if lo < q_start else None
        if found is None:
            continue
        cue, subj, speaker = found
        cand = by_cue.get(cue[0])
        if cand is not None:
            cand.fragments.append((q_start, q_end))  # '"A," he said, "B."'
        else:
            cand = _Candidate("direct", [(q_start, q_end)], cue, speaker, subj.i, "quote", rule="quote-before")
            by_cue[cue[0]] = cand
            out.append(cand)
        cand.quotes.append(qi)
        owned.update(range(*cue), range(*speaker))
    return out


def _block_candidates(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """'The official added:' ending a paragraph, then a paragraph without an opening mark: that
    paragraph is the quote."""
    doc = art.doc
    out = []
    for p, (p_start, p_end) in enumerate(art.paragraphs[:-1]):
        if art.text[p_end - 1] != ":":
            continue
        n_start, n_end = art.paragraphs[p + 1]
        if art.qtext[n_start] in QUOTE_CHARS + "`" or art.qtext.startswith(PTB_CLOSE, n_start):
            continue
        colon = bisect.bisect_left(art.idx, p_end - 1)
        if colon >= art.n or art.quote_of[colon] >= 0:
            continue
        found = None
        for v in range(colon - 1, _clause_start(art, colon) - 1, -1):
            lemma = cue_lemma(doc[v])
            if lemma is None:
                if doc[v].tag_.startswith("VB") and doc[v].dep_ not in ("aux", "auxpass"):
                    break
                continue
            subj = _inherited_subject(doc[v])
            if subj is not None and not _blocked(doc[v]) and v not in used_cues:
                found = (v, subj)
            break
        if found is None:
            continue
        lo, hi = bisect.bisect_left(art.idx, n_start), bisect.bisect_left(art.idx, n_end)
        if any(art.quote_of[i] >= 0 for i in range(lo, hi)):
            continue
        v, subj = found
        qi = art.add_quote(Quote(n_start, n_end, block=True))
        speaker = _speaker_span(art, subj, doc[v], hi=v if subj.i < v else colon)
        out.append(_Candidate("direct", [art.quote_tokens(qi)], (v, v + 1), speaker, subj.i, "block", quotes=[qi],
                              rule="quote-block"))
    return out


# ============================================================================ reported speech
def _content_of(art: _Article, verb: Any, lemma: str) -> tuple[list[tuple[int, int]], int | None, bool, str] | None:
    """The reported content of a cue verb: (token ranges, target head, fronted?, frame) or ``None``;
    the frame names the rule (``reported-<frame>``)."""
    children = list(verb.children)
    sent_lo, sent_hi = _sentence_bounds(art, verb.i)

    def subtree(tok: Any) -> tuple[int, int]:
        return max(tok.left_edge.i, sent_lo), min(tok.right_edge.i + 1, sent_hi)

    # 1. a clause: 'said (that) ...', fronted '..., he said'
    for child in children:
        if child.dep_ != "ccomp":
            continue
        i, j = subtree(child)
        # '... inside Ukraine — a charge the alliance denies': that denial is another statement
        for k in range(i + 1, j - 2):
            if _is_dash(verb.doc[k]):
                np = verb.doc[k + 1].head if verb.doc[k + 1].dep_ == "det" else verb.doc[k + 1]
                if np.dep_ == "appos" and np.right_edge.i >= j - 2 and any(c.dep_ == "relcl" and cue_lemma(c) in NP_CONTENT
                                              and _relative_antecedent(c) is not None for c in np.children):
                    j = k
                    break
        second = next((c for c in child.children if c.dep_ == "conj" and ((_second_act(c) or c).i == verb.i or (
            # 'She said she admires his determination and highlighted ...': a verb in the cue's tense, not
            # the clause's, and with no subject of its own goes on with the speaker's acts
            c.tag_ == verb.tag_ == "VBD" and child.tag_ in ("VBZ", "VBP", "MD") and c.i > child.i
            and not any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)))), None)
        if second is not None:  # '... would prolong the suffering and accused ...': not part of it
            j = min(j, max(i + 1, second.left_edge.i))
            while j - 1 > i and (verb.doc[j - 1].dep_ == "cc" or verb.doc[j - 1].is_punct):
                j -= 1
        if child.i > verb.i:
            # '... that Russia remained open to talks, but only on terms that ...': the qualifier the
            # parser hung on the verb belongs to the content
            later = [c for c in children if c.i >= j]
            if (len(later) >= 2 and later[0].dep_ == "punct" and later[0].text == ","
                    and any(c.dep_ == "cc" for c in later[1:2]) and any(c.dep_ == "prep" for c in later[2:4])):
                prep = next(c for c in later[2:4] if c.dep_ == "prep")
                j = subtree(prep)[1]
            # '... said that A, and that B': a second 'that' clause the parser hung on the verb
            for c in later:
                if c.dep_ in ("ccomp", "conj") and c.left_edge.i >= j and any(
                        g.dep_ == "mark" and g.lower_ == "that" for g in c.children) and cue_lemma(c) is None:
                    j = subtree(c)[1]
            return [(i, j)], None, False, "clause"
        subj = _subject(verb)
        stop = subj.left_edge.i if subj is not None and child.i < subj.i < verb.i else verb.i
        if j > stop or stop - j <= 2:
            j = stop
        return [(i, j), *_rest_after_cue(art, verb, sent_hi)], None, True, "fronted"
    # 2. 'As Clinton told the Daily News, tax relief is given in exchange for jobs': the clause the
    # 'as' phrase is hung on, without the phrase
    if (verb.dep_ == "advcl" and verb.i < verb.head.i and verb.head.tag_.startswith("VB")
            and any(c.dep_ == "mark" and c.lower_ == "as" and c.i < verb.i for c in children)
            and not any(c.dep_ in ("ccomp", "xcomp") for c in children)):
        i, j = subtree(verb.head)
        v_lo, v_hi = verb.left_edge.i, verb.right_edge.i + 1
        frags = [f for f in ((i, v_lo), (v_hi, j)) if f[1] > f[0]]
        frags = [f for f in frags if (s := _trim(art, *f)) and s[1] - s[0] >= 3]
        if frags:
            return frags, None, False, "as-said"
    # 3. a parenthetical: 'The plan, he said, is dead.' / 'The economy is slowing, he said.'
    if verb.dep_ == "parataxis":
        host = verb.head
        while host.dep_ in ("aux", "auxpass", "neg", "advmod") and host.head.i != host.i:
            host = host.head  # 'Russia, he said, was terrorizing civilians' hung on the auxiliary
        i, j = subtree(host)
        v_lo, v_hi = verb.left_edge.i, verb.right_edge.i + 1
        frags = [f for f in ((i, v_lo), (v_hi, j)) if f[1] > f[0]]
        return frags, None, True, "parenthetical"
    dobj = next((c for c in children if c.dep_ in ("dobj", "dative") and c.i > verb.i), None)
    # 3. object + preposition: 'accuses Russia of ...', 'blamed the U.S. for ...'
    preps = OBJECT_PREP.get(lemma)
    if preps and dobj is not None:
        # the preposition hangs from the verb, or from its object ('accused the governor of ...')
        for child in children + [c for c in dobj.children if c.dep_ == "prep"]:
            if child.dep_ == "prep" and child.lower_ in preps and child.i > dobj.i:
                if verb.tag_ == "VBG" and verb.dep_ == "pcomp":
                    # '... by blaming the U.S. for the strained relations': the whole gerund clause
                    return [(verb.i, subtree(child)[1])], dobj.i, False, "object-prep"
                return [subtree(child)], dobj.i, False, "object-prep"
    # 4. an infinitive: 'vowed to retaliate', 'urged Moscow to withdraw'
    if lemma in XCOMP_CONTENT or lemma in NP_CONTENT:
        for child in children:
            # 'vowed to retaliate'; 'denied targeting civilians' (a gerund after a verb of the object kind)
            if child.dep_ == "xcomp" and child.i > verb.i and (lemma in XCOMP_CONTENT or child.tag_ == "VBG"):
                i, j = subtree(child)
                if dobj is not None and dobj.i < child.i and lemma not in ADDRESSEE:
                    i = min(i, dobj.left_edge.i)
                return [(i, j)], dobj.i if dobj is not None else None, False, "infinitive"
    # 5. a name for something: 'called the proposal "a gift to polluters"'
    if lemma in NAMING and dobj is not None and dobj.dep_ == "dobj":
        i, j = subtree(dobj)
        # ('calling it "a gift to the wealthy"' is sometimes parsed as two objects)
        comps = [c for c in children if c.i > dobj.i and c.dep_ in ("oprd", "attr", "acomp", "ccomp", "xcomp", "dobj")]
        named = any(c.dep_ in ("appos", "oprd") for c in dobj.children) or any(art.quote_of[k] >= 0 for k in range(i, j))
        if comps or named:
            return [(i, max([j] + [subtree(c)[1] for c in comps]))], None, False, "naming"
    # 6. 'dismissed as "absurd" new allegations that ...': the object inside the 'as' phrase
    if dobj is None and lemma in CHARACTERIZING and verb.dep_ != "relcl":
        for child in children:
            if child.dep_ == "prep" and child.lower_ == "as" and child.i > verb.i and any(
                    c.dep_ == "pobj" for c in child.children):
                return [subtree(child)], None, False, "as"
    # 7. a preposition: 'called for calm', 'warned of a crisis' ('called for X to do Y': a 'mark')
    preps = PREP_CONTENT.get(lemma)
    # not a participle set off by commas ('McConnell, asked about the remarks, said ...'), however parsed
    if preps and not (verb.tag_ == "VBN" and not any(c.dep_ == "aux" for c in children)) and not (
            verb.i > 0 and verb.doc[verb.i - 1].text == ","):
        for child in children:
            if child.dep_ in ("prep", "mark") and child.lower_ in preps and child.i > verb.i:
                return [subtree(child)], None, False, "prep"
    # 8. the object: 'confirmed the meeting' (sometimes parsed as two objects)
    objects = [c for c in children if c.dep_ == "dobj" and c.i > verb.i]
    if lemma in NP_CONTENT and objects and objects[0].tag_ not in ("PRP", "WDT", "WP", "DT", "EX"):
        i, j = subtree(objects[0])[0], subtree(objects[-1])[1]
        for c in objects[-1].children:  # a non-restrictive ', which ...' is not part of it
            if c.dep_ == "relcl" and c.left_edge.i > i and verb.doc[c.left_edge.i - 1].text == ",":
                j = min(j, c.left_edge.i - 1)
        if lemma in CHARACTERIZING:  # 'condemned the strikes as "barbaric"': what they are called too
            as_ = next((c for c in children if c.dep_ == "prep" and c.lower_ == "as" and c.i >= j), None)
            if as_ is not None:
                j = subtree(as_)[1]
        # the rest of the verb phrase goes with its object ('denied class-action status to employees',
        # 'polls show Sanders within two points of Clinton'), up to a comma
        for c in sorted(children, key=lambda c: c.i):
            if c.i < j or c.dep_ not in ("prep", "dative", "oprd", "npadvmod", "advmod", "acomp"):
                continue
            if any(verb.doc[k].text in (",", ";", ":") or verb.doc[k].text in DASHES or art.quote_of[k] >= 0
                   for k in range(j, c.left_edge.i + 1)) or any(t.ent_type_ in ("DATE", "TIME") for t in c.subtree):
                break  # not 'on Tuesday
            j = max(j, subtree(c)[1])
        return [(i, j)], None, False, "object"
    # 9. the antecedent of a gapped relative clause: 'claims that the Kremlin denies'
    if lemma in NP_CONTENT and not objects:
        rel = _relative_antecedent(verb)
        if rel is not None:
            return [(max(rel.left_edge.i, sent_lo) if rel.left_edge.i < rel.i else rel.i, verb.i + 1)], None, False, "relative"
    # 10. 'told a congregation in Atlanta that the country needed ...' parsed as a relative clause
    # of the hearer: a 'that' clause with its own subject is what was told
    # ('said in a statement that the measure would ...', the clause hung on 'statement', likewise)
    if lemma in ADDRESSEE or lemma in SPEECH_VERBS:
        dobj_ = next((c for c in children if c.dep_ in ("dobj", "dative") and c.i > verb.i), None)
        after = dobj_.i if dobj_ is not None else verb.i
        for tok in (verb.subtree if dobj_ is not None or lemma not in ADDRESSEE else ()):
            if tok.i <= after or any(c.dep_ == "ccomp" for c in children):
                continue
            if lemma not in ADDRESSEE and tok.head.lower_ not in DOCUMENT_NOUNS | SPEECH_EVENTS:
                continue  # not 'a flow that Mr. Perry blamed on ...': only 'in a statement / an interview that
            # a subject of its own, and a complement after the verb: not 'the story that his father loved'
            if (tok.dep_ in ("relcl", "acl") and tok.left_edge.lower_ == "that"
                    and any(c.dep_ == "nsubj" and c.lower_ != "that" for c in tok.children)
                    and any(c.i > tok.i and c.dep_ in ("dobj", "ccomp", "xcomp", "attr", "acomp", "oprd", "prep", "agent")
                            and not (c.dep_ == "prep" and any(g.ent_type_ in ("DATE", "TIME") for g in c.subtree))
                            for c in tok.children)):
                i, j = subtree(tok)
                return [(i, j)], None, False, "told-that"
    return None


def _relative_antecedent(verb: Any) -> Any | None:
    """The noun a relative clause with an object gap modifies ('claims that the Kremlin denies'
    -> claims), also when the parser took that noun for a verb or the clause for a complement."""
    if verb.dep_ not in ("relcl", "acl", "ccomp") or verb.head.i > verb.i:
        return None
    head = verb.head
    rel = next((c for c in verb.children if c.dep_ in ("mark", "dobj") and c.lower_ in ("that", "which")), None)
    if rel is None and verb.dep_ == "relcl" and verb.left_edge.i == head.i + 1 and head.tag_.startswith("NN") \
            and any(c.dep_ == "nsubj" for c in verb.children):
        rel = head  # no relative pronoun: 'a charge the alliance denies'
    elif rel is None or rel.i != head.i + 1:
        return None
    if any(c.dep_ in ("ccomp", "xcomp") or (c.dep_ == "dobj" and c.i != rel.i) or (c.dep_ == "prep" and rel is head)
           for c in verb.children):
        return None
    if head.tag_.startswith("NN"):
        return head
    if head.tag_ == "VBZ" and head.lower_.endswith("s") and not any(c.dep_ in ("nsubj", "nsubjpass") for c in head.children):
        return head  # 'claims' taken for a verb
    return None


def _reported_candidates(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """Reported speech: every cue verb outside quotes with a subject and a content."""
    doc = art.doc
    out: list[_Candidate] = []
    absorbed: set[int] = set()
    for i in art.cue_tokens:
        if art.quote_of[i] >= 0 or i in used_cues or art.in_headline(i):
            continue  # (a title-case headline parses badly: 'Netanyahu Rejects Calls for Ceasefire')
        token = doc[i]
        if token.is_title and i > art.sent_start[i] and not doc[i - 1].is_punct:
            continue  # 'Why We Wrote This', a heading inside the text: a capitalised verb is no cue
        if token.lower_ == "according":
            if i + 1 < art.n and doc[i + 1].lower_ == "to":
                cand = _according_to(art, token)
                if cand is not None:
                    out.append(cand)
            continue
        lemma = cue_lemma(token)
        if lemma is None or lemma not in CUE_VERBS or token.dep_ == "amod" or _blocked(token):
            continue
        if token.dep_ == "acl" and token.tag_ == "VBG" and token.head.lower_ in DOCUMENT_NOUNS:
            # 'The RNC issued a statement calling the bill "a federal takeover"': the statement's author
            issued = token.head.dep_ == "dobj" and token.head.head.lower_ in _ISSUING_FORMS  # not 'Reporters read a statement'
            author = _document_author(token.head) or (_subject(token.head.head) if issued else None)
            found = _content_of(art, token, lemma) if author is not None else None
            spans = [s for f in found[0] if (s := _trim(art, *f))] if found else []
            if author is not None and spans and art.quote_of[author.i] < 0:
                out.append(_Candidate("indirect", spans, (i, i + 1), _speaker_span(art, author, token.head.head),
                                      author.i, "reported", found[1], rule="reported-document"))
            continue
        holder = None
        if (token.dep_ == "acl" and token.tag_ == "VBG" and token.head.i < token.i and token.head.tag_.startswith("NN")
                and _agentive(token.head)):
            holder = token.head  # 'the super PAC supporting Jeb Bush', 'groups urging calm'
        elif token.dep_ == "acl" and _relative_antecedent(token) is None:
            continue
        subj = _subject(token) if lemma in BELIEF_VERBS else _inherited_subject(token)
        if subj is None and lemma in BELIEF_VERBS and token.tag_ == "VBG" and token.dep_ == "advcl":
            subj = _inherited_subject(token)  # '..., fearing that the party could lose'
        subj = holder if holder is not None else subj
        if subj is None and token.dep_ != "acl" and (passive := _passive_stance(art, token, lemma)) is not None:
            out.append(passive)
            continue
        if subj is None or art.quote_of[subj.i] >= 0 or subj.dep_ == "expl":
            continue
        if any(c.dep_ == "aux" and c.i < subj.i for c in token.children) and subj.head.i == token.i:
            continue  # 'Has Neil asked his father himself?': a question, no statement
        found = _content_of(art, token, lemma)
        if found is None:
            continue
        frags, target, fronted, frame = found
        if lemma in BELIEF_VERBS and not any(c.dep_ == "ccomp" or (c.dep_ == "xcomp" and lemma in INTENT_VERBS)
                                             for c in token.children):
            continue
        frags = [_before_participle_cue(art, f, i) for f in frags]
        if lemma in ("ask", "request", "speak") and _ANONYMITY.match(art.span_text(frags[0])):
            continue  # 'who asked not to be named': a condition of the interview, no statement
        spans = [s for n, f in enumerate(frags) if (s := _trim(art, *f, keep_comma=fronted and n == len(frags) - 1))]
        if not spans:
            continue
        rel = _relative_antecedent(token)
        if rel is not None and spans[0][0] <= rel.i < spans[-1][1]:
            absorbed.add(rel.i)
        speaker = _speaker_span(art, subj, token)
        # 'citing X': X is the source of what the verb reports
        citing = next((c for c in token.children if c.dep_ == "advcl" and c.lower_ == "citing"), None)
        cited = next((c for c in citing.children if c.dep_ == "dobj"), None) if citing is not None else None
        if cited is not None:
            speaker = _np_span(art, cited, citing.i + 1, art.sent_end[cited.i])
            out.append(_Candidate("indirect", spans, (citing.i, citing.i + 1), speaker, cited.i, "citing", target,
                                  rule="reported-citing"))
            continue
        out.append(_Candidate("indirect", spans, (i, i + 1), speaker, subj.i, "reported", target,
                              rule=f"reported-{frame}"))
    out += _other_verb_clauses(art, used_cues | {c.cue[0] for c in out})
    out += _noun_clauses(art)
    out += _adjective_states(art, used_cues)
    return [c for c in out if c.cue[0] not in absorbed]


def _adjective_states(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """A subject who 'is confident that ...', 'was critical of ...', 'are worried about ...': the clause
    or the preposition after the adjective is what they hold; the copula and the adjective the cue."""
    doc = art.doc
    out = []
    for k in art.acomp_tokens:
        adj = doc[k]
        if adj.lower_ not in STATE_ADJECTIVES or art.quote_of[adj.i] >= 0:
            continue
        verb = adj.head
        if verb.i in used_cues or not verb.tag_.startswith("VB") or verb.i > adj.i or _blocked(verb) or art.in_headline(adj.i):
            continue
        subj = _subject(verb)
        if subj is None or art.quote_of[subj.i] >= 0 or not _agentive(subj):
            continue
        lo, hi = _sentence_bounds(art, adj.i)
        content = next((c for c in adj.children if c.i > adj.i and (c.dep_ == "ccomp" or (
            c.dep_ == "prep" and c.lower_ in ("of", "about", "to", "in", "that")))), None)
        if content is None:
            content = next((c for c in verb.children if c.i > adj.i and c.dep_ == "ccomp"), None)
        if content is None:
            continue
        span = _trim(art, max(content.left_edge.i, lo), min(content.right_edge.i + 1, hi))
        if span is None or span[1] - span[0] < 2:
            continue
        out.append(_Candidate("indirect", [span], (verb.i, adj.i + 1), _speaker_span(art, subj, verb), subj.i,
                              "reported", rule="reported-adjective"))
    return out


def _noun_clauses(art: _Article) -> list[_Candidate]:
    """A noun of saying or believing with its holder and a clause: 'Trump's claim that the election
    is rigged', 'his promise to build a wall', 'the campaign's belief that ...'."""
    doc = art.doc
    out = []
    for k in art.claim_nouns:
        noun = doc[k]
        if not noun.tag_.startswith("NN") or art.quote_of[noun.i] >= 0:
            continue
        holder = next((c for c in noun.children if c.dep_ == "poss" and c.i < noun.i), None)
        if holder is None or art.quote_of[holder.i] >= 0 or not _agentive(holder):
            continue
        clause = next((c for c in noun.children if c.i > noun.i and c.dep_ in ("acl", "ccomp", "relcl")
                       and (c.left_edge.lower_ == "that" and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
                            or c.left_edge.tag_ == "TO")), None)
        if clause is None:
            continue
        lo, hi = _sentence_bounds(art, noun.i)
        span = _trim(art, max(clause.left_edge.i, lo), min(clause.right_edge.i + 1, hi))
        if span is None:
            continue
        speaker = (holder.left_edge.i, holder.i + 1)  # "Trump" of "Trump's claim"
        out.append(_Candidate("indirect", [span], (noun.i, noun.i + 1), speaker, holder.i, "reported",
                              rule="reported-noun"))
    return out


def _agentive(token: Any) -> bool:
    """A subject that can hold a view: a person or group by name, a personal pronoun, or a noun for
    people or organisations ('officials', 'the campaign')."""
    if token.tag_ == "PRP":
        return token.lower_ in AGENT_PRONOUNS
    if token.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or token.tag_ in ("NNP", "NNPS"):
        return True
    word = _singular(token.lower_)
    return word in PERSON_NOUNS or word in ORG_NOUNS or token.lower_ in HUMAN_PLURALS or word in AFFILIATION_NOUNS


def _other_verb_clauses(art: _Article, used_cues: set[int]) -> list[_Candidate]:
    """A verb outside the cue lists with a clause of its own after it and a subject that can hold a
    view ('Clinton made clear that ...', 'Republicans fretted that ...', 'she learned that ...'):
    what the clause says is attributed to the subject."""
    doc = art.doc
    out = []
    for k in art.clause_tokens:
        clause = doc[k]
        if clause.head.i >= clause.i or art.quote_of[clause.i] >= 0:
            continue
        verb = clause.head
        i = verb.i
        if (i in used_cues or not verb.tag_.startswith("VB") or verb.lower_ in NOT_CUES or cue_lemma(verb) is not None
                or art.quote_of[i] >= 0 or art.in_headline(i) or _blocked(verb)):
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in clause.children):
            continue  # a clause with a subject of its own ('fretted that the party would split')
        subj = _subject(verb)
        if subj is None or art.quote_of[subj.i] >= 0 or not _agentive(subj):
            continue
        found = _content_of(art, verb, verb.lower_)
        if found is None or found[3] != "clause":
            continue
        spans = [s for f in found[0] if (s := _trim(art, *f))]
        if spans:
            out.append(_Candidate("indirect", spans, (i, i + 1), _speaker_span(art, subj, verb), subj.i, "reported",
                                  rule="reported-other-verb"))
    return out


def _passive_stance(art: _Article, verb: Any, lemma: str) -> _Candidate | None:
    """'Russia was accused by the United States of meddling': the agent speaks, the passive subject is
    the target, and the preposition (or, for 'was condemned by', the subject itself) is the content."""
    if lemma not in PASSIVE_STANCE or not any(c.dep_ == "auxpass" for c in verb.children):
        return None
    target = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    agent = next((g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"), None)
    if target is None or agent is None or art.quote_of[agent.i] >= 0 or agent.tag_ in ("WDT", "WP"):
        return None
    sent_lo, sent_hi = _sentence_bounds(art, verb.i)
    prep = next((c for c in verb.children if c.dep_ == "prep" and c.i > verb.i
                 and c.lower_ in OBJECT_PREP.get(lemma, ())), None)
    if prep is not None:
        span = _trim(art, max(prep.left_edge.i, sent_lo), min(prep.right_edge.i + 1, sent_hi))
    elif lemma in NP_CONTENT and target.tag_ not in ("PRP", "WDT", "WP", "DT", "EX"):
        span = _trim(art, max(target.left_edge.i, sent_lo), min(target.right_edge.i + 1, verb.i))
    else:
        return None
    if span is None:
        return None
    hi = min([art.sent_end[agent.i]] + [c.left_edge.i for c in agent.children if c.dep_ in ("relcl", "acl", "prep")
                                        and c.i > agent.i and art.doc[c.left_edge.i - 1].is_punct])
    speaker = _speaker_span(art, agent, verb, hi)  # not ', which said ...'
    return _Candidate("indirect", [span], (verb.i, verb.i + 1), speaker, agent.i, "reported",
                      target.i if prep is not None else None, rule="reported-passive")


def _before_participle_cue(art: _Article, span: tuple[int, int], verb: int) -> tuple[int, int]:
    """A content cut before ', telling ...' / ', adding ...' hung inside it: that participle is a
    statement of its own ('accused Harris of "destroying" the economy, telling supporters that ...')."""
    doc = art.doc
    for k in range(max(span[0] + 1, verb + 1), span[1]):
        t = doc[k]
        if (t.tag_ == "VBG" and t.dep_ == "advcl" and doc[k - 1].text == "," and art.quote_of[k] < 0
                and cue_lemma(t) in CUE_VERBS and span[0] <= t.head.i < span[1]):
            return span[0], k - 1
    return span


def _according_to(art: _Article, according: Any) -> _Candidate | None:
    """'..., according to X': the clause the phrase belongs to, without the phrase."""
    doc = art.doc
    to = doc[according.i + 1]
    obj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if obj is None:
        obj = next((c for c in according.children if c.dep_ == "pobj"), None)
    if obj is None or art.quote_of[obj.i] >= 0:
        return None
    lo, hi = _sentence_bounds(art, according.i)
    phrase = (according.i, max(obj.right_edge.i + 1, to.i + 1))
    frags = []
    for f in ((lo, phrase[0]), (phrase[1], hi)):
        span = _trim(art, *f, keep_comma=f[1] == phrase[0])
        if span is not None:
            frags.append(span)
    if not frags:
        return None
    speaker = _np_span(art, obj, phrase[0] + 2, phrase[1])
    return _Candidate("indirect", frags, (according.i, according.i + 2), speaker, obj.i, "according",
                      rule="according-to")


def _headline_candidates(art: _Article, cands: list[_Candidate]) -> list[_Candidate]:
    """The article's title line as a statement when it reads 'Name: what they said' ('Graham: Trump's
    Rhetoric Destroying GOP's Chance') or 'Name Says What' ('Bellwether County Says Trump Should
    Win'). A title-case line parses badly, so these are read from the words, not the parse."""
    if not art.paragraphs or art.n == 0:
        return []
    start, end = art.paragraphs[0]
    line = art.text[start:end]
    if end - start > 200 or "\n" in line or line.rstrip().endswith((".", "?", "!")) and ":" not in line:
        return []
    lo, hi = bisect.bisect_left(art.idx, start), bisect.bisect_left(art.idx, end)
    if any(c.start < hi and lo < c.end for c in cands) or hi - lo < 4:
        return []
    doc = art.doc
    words = [k for k in range(lo, hi) if not doc[k].is_space]
    colon = next((k for k in words if doc[k].text == ":"), None)
    if colon is not None:
        name = [k for k in words if k < colon]
        cue, rest = (colon, colon + 1), [k for k in words if k > colon]
        if not 1 <= len(name) <= 6 or not doc[name[0]].text[:1].isupper() or any(_FORMS.get(doc[k].lower_) for k in name):
            return []
    else:
        verb = next((k for k in words[1:] if doc[k].text[:1].isupper() and _FORMS.get(doc[k].lower_) in HEADLINE_VERBS
                     and doc[k].lower_.endswith("s") and art.quote_of[k] < 0), None)
        if verb is None or not art.in_headline(verb):
            return []
        name = [k for k in words if k < verb]
        cue, rest = (verb, verb + 1), [k for k in words if k > verb]
        if len(name) > 8:
            return []
    if sum(doc[k].is_alpha for k in rest) < 2 or not any(doc[k].is_alpha for k in name):
        return []
    content = _trim(art, rest[0], rest[-1] + 1)
    speaker = _trim(art, name[0], name[-1] + 1)
    if content is None or speaker is None:
        return []
    head = max((k for k in range(*speaker) if doc[k].is_alpha), default=speaker[1] - 1)
    return [_Candidate("indirect", [content], cue, speaker, head, "headline", rule="headline")]


# ============================================================================ putting it together
def _finalise(art: _Article, cands: list[_Candidate]) -> list[_Candidate]:
    """Fit reported contents to the quotes, set kinds, drop nested statements and outlet wrappers."""

    def inside(c: _Candidate, other: _Candidate) -> bool:
        return other is not c and any(s <= c.cue[0] < e for s, e in other.fragments)

    def is_outlet(c: _Candidate) -> bool:
        return bool(c.speaker) and bool(_OUTLET.search(art.span_text(c.speaker)))

    # an outlet wrapping another statement ('Xi told Biden that "...," according to state media')
    # goes first, so that the quote it held is free for the statement it wraps
    wrappers = {id(c) for c in cands if is_outlet(c) and any(inside(o, c) for o in cands)}
    cands = [c for c in cands if id(c) not in wrappers]
    taken = {qi for c in cands for qi in c.quotes}
    kept: list[_Candidate] = []
    for c in cands:
        if c.how not in ("quote", "block"):
            frags = [span for f in c.fragments if (span := _fit_to_quotes(art, f, taken, c.cue[0]))]
            if not frags:
                continue
            if c.how == "reported" and frags[-1][0] > c.cue[0]:
                frags[-1] = _without_aside(art, frags[-1])
            c.fragments = frags
        c.fragments.sort()
        c.kind = _kind(art, c)
        kept.append(c)

    # 'Strategists worry that ..., according to three people': each holds the other's cue; the
    # statement is the strategists', without the 'according to' phrase
    # ('X said ..., according to Y' likewise: the statement is X's, Y the source of the report)
    for c in [c for c in kept if c.how == "according"]:
        other = next((o for o in kept if inside(o, c)), None)
        if other is None:
            continue
        before = [f for f in c.fragments if f[1] <= c.cue[0]]
        if other.cue[0] > c.cue[1] and before and not inside(c, other):
            # '... troops to the border, according to a White House official, just days after Perry
            # said ...': the statement before the phrase is the official's; what follows is not
            c.fragments = before
            c.kind = _kind(art, c)
            continue
        if inside(c, other):
            frags = [span for i, j in other.fragments
                     if (span := _trim(art, i, min(j, c.cue[0])) if i < c.cue[0] else (i, j))]
            if not frags:
                continue
            other.fragments = frags
        kept = [k for k in kept if k is not c]
    # a statement whose cue sits in another's content is nested: keep the outer one, unless the
    # outer one is a news outlet reporting it ('The Kremlin confirmed ..., AP reports')
    outlets = {id(c) for c in kept if is_outlet(c)}
    drop = {id(c) for c in kept if id(c) in outlets and any(inside(o, c) for o in kept)}
    kept = [c for c in kept if id(c) not in drop]
    drop = {id(c) for c in kept if any(inside(c, o) for o in kept)}
    return [c for c in kept if id(c) not in drop]


def _without_aside(art: _Article, span: tuple[int, int]) -> tuple[int, int]:
    """A reported content without the aside that closes it after a comma or dash ('..., though she did
    not discuss their terms', '..., which is in itself a departure', '... – even though he picked ...'):
    the writer's words, not the speaker's."""
    i, j = span
    doc = art.doc
    for k in range(i + 2, j - 1):
        if ((doc[k].text == "," or doc[k].text in DASHES) and art.quote_of[k] < 0
                and doc[k + 1].lower_ in ASIDE_WORDS and art.quote_of[k + 1] < 0):
            return _trim(art, i, k) or span
    return span


def _fit_to_quotes(art: _Article, span: tuple[int, int], taken: set[int], cue: int) -> tuple[int, int] | None:
    """Extend a content span over a free quote it cuts; stop it at a quote another statement owns."""
    i, j = span
    q = art.quote_of[j - 1]
    if q >= 0 and q not in taken:
        j = max(j, art.quote_tokens(q)[1])
    q = art.quote_of[i]
    if q >= 0 and q not in taken:
        i = min(i, art.quote_tokens(q)[0])
    for k in range(i, j):
        if art.quote_of[k] in taken and art.quote_of[k] >= 0:
            if k > cue:
                return _trim(art, i, k)
            q_end = art.quote_tokens(art.quote_of[k])[1]
            return _fit_to_quotes(art, (q_end, j), taken, cue) if q_end < j else None
    return i, j


def _kind(art: _Article, c: _Candidate) -> str:
    if c.how == "block":
        return "direct"
    words_out = any_quote = False
    for i, j in c.fragments:
        for k in range(i, j):
            if art.quote_of[k] >= 0:
                any_quote = True
            elif not (art.doc[k].is_punct or art.doc[k].is_space):
                words_out = True
    if any_quote:
        return "mixed" if words_out else "direct"
    return "indirect"


def _orphans(art: _Article, cands: list[_Candidate]) -> list[_Candidate]:
    """A full-sentence quote with no attribution right after a statement: the same speaker."""
    covered = [False] * art.n
    for c in cands:
        for i, j in c.fragments:
            covered[i:j] = [True] * (j - i)
    claimed = {qi for c in cands for qi in c.quotes}
    out: list[_Candidate] = []
    for qi, quote in enumerate(art.quotes):
        if qi in claimed:
            continue
        q_start, q_end = art.quote_tokens(qi)
        if q_end <= q_start or any(covered[q_start:q_end]):
            continue
        words = sum(1 for k in range(q_start, q_end) if art.doc[k].is_alpha)
        # the statement before, if it is speech ('wanted', 'endorsed' or 'fears' hand no quote on)
        before = [c for c in cands + out if max(c.end, c.cue[1]) <= q_start
                  and (c.how in ("quote", "block", "orphan", "according")
                       or _FORMS.get(art.doc[c.cue[0]].lower_) in SPEECH_VERBS)]
        prev = max(before, key=lambda c: max(c.end, c.cue[1])) if before else None
        if (words < 3 or _clause_start(art, q_start) != q_start or prev is None or prev.speaker_head is None
                or art.paragraph_of(q_start) - art.paragraph_of(max(prev.end, prev.cue[1]) - 1) > 1
                or art.doc[prev.speaker_head].lower_ in _NO_INHERIT):
            log.debug("%s: quote at %s has no attribution; skipped", art.doc_id, _where(art.text, quote.start))
            continue
        out.append(_Candidate("direct", [(q_start, q_end)], prev.cue, prev.speaker, prev.speaker_head,
                              "orphan", prev.target_head, quotes=[qi],
                              rule="quote-continued"))
    return out


# ============================================================================ speakers
@dataclass
class _Mention:
    start: int  # token index
    kind: str  # person, org, place, group, unknown
    canonical: str | None
    head: str  # lower-cased head word
    head_i: int | None = None  # where the description and roles are read from
    subject: bool = False
    plural: bool = False
    gender: str = ""  # m, f or unknown
    also: tuple[int, ...] = ()  # earlier heads of the same entity (their descriptions count too)


_ENT_KIND = {"PERSON": "person", "ORG": "org", "GPE": "place", "NORP": "group", "LOC": "place", "FAC": "place"}


class _Resolver:
    """Rule-based coreference for speakers: pronouns, nominals and surnames to earlier mentions."""

    def __init__(self, art: _Article) -> None:
        self.art = art
        self.full_names: dict[str, str] = {}  # surname -> full name
        self.genders: dict[str, str] = {}  # canonical -> m / f
        self.mentions: list[_Mention] = []
        self._roles: dict[int, frozenset[str]] = {}
        self._chain: dict[int, _Mention] = {}  # pronoun subjects resolved on the way
        # how often each full name occurs: the commonest names a surname ('Mike Huckabee', not the
        # 'Arkansas Mike Huckabee' of one photo caption), then the longest
        seen = Counter(_person_name(_clean_name(e.text)) for e in art.ents if e.label_ == "PERSON")
        for ent in art.ents:
            kind = _ENT_KIND.get(ent.label_)
            if kind is None or art.quote_of[ent.start] >= 0:
                continue
            if kind != "person" and _role_of_person(ent):
                kind = "person"  # 'presidential candidate Nikki Haley' read as an organisation
            root = ent.root
            while root.dep_ == "compound" and root.head.i != root.i and art.ent_of.get(root.head.i) is None:
                root = root.head  # 'Defense' -> 'Secretary' -> 'Austin'
            if kind != "person" and root.dep_ == "compound" and art.ent_of.get(root.head.i) is not None \
                    and art.ent_of[root.head.i].label_ == "PERSON":
                continue  # 'Defense' in 'Defense Secretary Lloyd Austin' is part of a title
            name = _clean_name(ent.text)
            if not name:
                continue
            head = ent.root
            if kind == "person":
                name = _person_name(name) or name  # 'Arkansas Governor Mike Huckabee' -> 'Mike Huckabee'
                words = name.split()
                known = self.full_names.get(words[-1], "")
                if (2 <= len(words) <= 4 and (seen[name], len(words)) > (seen[known], len(known.split()))
                        and not art.in_headline(ent.start)):  # 'Trump Attacks Harris' is no name
                    self.full_names[words[-1]] = name
                name = self.full_name(name)
                self._learn_gender(name, ent)
            elif kind == "org":
                name = self._org_name(ent) or name
            self.mentions.append(_Mention(ent.start, kind, name, head.lower_, head.i,
                                          subject=head.dep_ in ("nsubj", "nsubjpass"),
                                          plural=head.tag_ == "NNPS" or kind == "group"))
        # subjects that are no named entity ('Environmental groups', 'The company') can be antecedents too
        for i in art.subjects:
            if i in art.ent_of or art.quote_of[i] >= 0:
                continue
            head = art.doc[i]
            kind = _nominal_kind(head)
            if kind == "unknown" and head.tag_ not in ("NNS", "NNPS"):
                continue
            core = _strip_det(art.span_text((max(head.left_edge.i, art.sent_start[i]), i + 1)))
            self.mentions.append(_Mention(i, kind, core, head.lower_, i, subject=True,
                                          plural=head.tag_ in ("NNS", "NNPS")))
        self.mentions.sort(key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]

    def _org_name(self, ent: Any) -> str | None:
        """'India's Foreign Ministry' for the entity 'Foreign Ministry' with its possessor."""
        art = self.art
        lo = ent.root.left_edge.i
        if lo >= ent.start or ent.start - lo > 4 or any(art.quote_of[k] >= 0 for k in range(lo, ent.start)):
            return None
        if not any(t.dep_ in ("poss", "compound") for t in art.doc[lo : ent.start]):
            return None
        return _clean_name(art.span_text((lo, ent.end))) or None

    def _learn_gender(self, name: str, ent: Any) -> None:
        if name in self.genders:
            return
        doc = self.art.doc
        before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
        first = name.split()[0].lower() if name.split() else ""
        # the words of its own noun phrase only ('Sister Mary Cruz'; not 'his wife watched Cruz')
        roles = {t.lower_ for t in doc[max(0, ent.start - 3) : ent.start] if ent.start <= t.head.i < ent.end}
        if before.rstrip(".") in {"mr", "sir"} or roles & _MALE_WORDS or first in _MALE_NAMES:
            self.genders[name] = "m"
        elif before.rstrip(".") in {"mrs", "ms", "miss"} or roles & _FEMALE_WORDS or first in _FEMALE_NAMES:
            self.genders[name] = "f"

    def roles(self, m: _Mention) -> frozenset[str]:
        """Nouns around a named mention ("Foreign Minister Sergei Lavrov" -> minister, foreign)."""
        if m.head_i is None:
            return frozenset()
        if m.head_i not in self._roles:
            head = self.art.doc[m.head_i]
            ent = self.art.ent_of.get(m.head_i)
            inside = range(ent.start, ent.end) if ent is not None else range(m.head_i, m.head_i + 1)
            # a title held no longer counts only for a speaker described so ('the former president')
            self._roles[m.head_i] = frozenset(
                f"{_qualifier(t)} {t.lower_}".lstrip() for c in head.children
                if c.dep_ in ("compound", "appos", "amod", "nmod") and c.i not in inside
                for t in c.subtree if t.tag_.startswith("NN"))
        return self._roles[m.head_i]

    def description(self, m: _Mention) -> str:
        """The words of a mention that may name a party (see :func:`_party_phrase`)."""
        heads = [*m.also, m.head_i] if m.head_i is not None else list(m.also)
        parts = [_party_phrase(self.art, self.art.doc[h]) for h in heads]
        if m.head_i is not None and m.head_i not in self.art.ent_of:
            # 'A department spokesman' after 'The U.S. State Department called ...': the department
            # named last is the one he speaks for
            for c in self.art.doc[m.head_i].children:
                if c.dep_ == "compound" and c.tag_ == "NN" and c.lower_ in _EMPLOYERS:
                    org = next((o for o in self.before(c.i, max_back=400) if o.kind == "org" and o.canonical
                                and (o.head == c.lower_ or c.lower_ in self.roles(o))), None)
                    if org is not None:
                        parts.append(org.canonical or "")
        return " ; ".join(parts)

    def full_name(self, name: str) -> str:
        words = name.split()
        if len(words) == 1 and words[0] in self.full_names:
            return self.full_names[words[0]]
        return name

    def add(self, mention: _Mention) -> None:
        pos = bisect.bisect_right(self.starts, mention.start)
        self.starts.insert(pos, mention.start)
        self.mentions.insert(pos, mention)

    def before(self, i: int, max_back: int) -> Iterator[_Mention]:
        pos = bisect.bisect_left(self.starts, i)
        for m in reversed(self.mentions[:pos]):
            if i - m.start > max_back:
                return
            yield m

    def resolve(self, head: Any, span: tuple[int, int]) -> _Mention:
        """The mention the speaker at ``head`` refers to (a new one for a first mention)."""
        art = self.art
        doc = art.doc
        text = art.span_text(span)
        low = head.lower_
        if head.tag_ == "PRP" and low in PRONOUNS:
            return self._pronoun(head, text)
        if low in DOCUMENT_NOUNS:
            # 'A statement from the Russian Defense Ministry said': the ministry speaks
            author = _document_author(head)
            if author is not None:
                return self.resolve(author, _author_span(author))
        words = [t for t in doc[span[0] : span[1]] if not t.is_punct]
        definite = bool(words) and words[0].lower_ in ("the", "this", "that")
        ent = art.ent_of.get(head.i)
        if (head.tag_ == "NNP" and head.text in self.full_names and ent is not None and ent.label_ != "PERSON"
                and ent.start == head.i and ent.end == head.i + 1):
            # 'Jordan said' after 'Rep. Jim Jordan': the person, not the country the NER saw
            name = self.full_names[head.text]
            return _Mention(head.i, "person", name, low, head.i, True, gender=self.genders.get(name, ""))
        if ent is None:
            ent = next((art.ent_of[c.i] for c in head.children if c.dep_ == "appos" and c.i in art.ent_of
                        and art.ent_of[c.i].label_ == "PERSON"), None)
        if ent is None and head.tag_.startswith("NN"):
            appos = self._appositive_person(head)
            if appos is not None:
                return appos
        if ent is not None and definite and len(words) <= 3 and (ent.label_ == "NORP" or low in ORG_NOUNS or low in PERSON_NOUNS):
            ent = None  # 'the Ministry', 'the Florida Republican': a nominal
        if ent is not None and _ENT_KIND.get(ent.label_):
            return self._named(head, ent, text, span)
        if ent is None and head.tag_.startswith("NNP") and any(_is_title_word(t.text) for t in words[:-1]):
            kind = "person"  # 'European Commission President Ursula von der Leyen' with no entity found
        kind = _nominal_kind(head)
        if definite and head.tag_.startswith("NN"):
            # 'the official', 'the Ministry': the last mention with that head or role, and with the
            # proper-noun modifiers it has ('the Maryland Democrat' is not the California one)
            mods = {c.lower_ for c in head.children if c.dep_ in ("compound", "amod")
                    and (c.tag_.startswith("NNP") or c.ent_type_ in ("NORP", "GPE")
                         or c.is_title and c.i > art.sent_start[c.i])}  # 'the Chinese government'
            role = f"{_qualifier(head)} {low}".lstrip()  # 'the former president' is not 'the president'
            for m in self.before(head.i, max_back=1500):
                if (m.head == low and role == low or role in self.roles(m)) and m.canonical:
                    if mods and not mods <= set(re.findall(r"\w+", f"{self.description(m)} {m.canonical}".lower())):
                        continue
                    return m
            # 'the Florida Republican', 'the Hungarian leader': the last person described so
            cues = {low} if low in ("republican", "democrat", "conservative", "liberal") else set()
            if kind == "person":
                cues |= {c.lower_ for c in head.children if c.dep_ in ("amod", "compound") and c.i < head.i
                         and (c.is_title or c.tag_.startswith("NNP"))}
            if cues:
                for m in self.before(head.i, max_back=600):
                    if m.kind == "person" and m.canonical and not m.plural:
                        described = set(re.findall(r"\w+", self.description(m).lower()))
                        if cues <= described:
                            return m
            if kind == "org" and head.tag_ == "NN" and not mods:  # 'the company': the last organisation named
                here = art.sent_start[head.i]
                previous = art.sent_start[here - 1] if here > 0 else here
                for m in self.before(head.i, max_back=400):
                    if m.start < previous:
                        break
                    # 'Kataib Hezbollah vowed revenge. "...," the group said': a proper-noun subject just before
                    if (m.subject and not m.plural and m.canonical and m.kind in ("org", "unknown")
                            and m.head_i is not None and art.doc[m.head_i].tag_ == "NNP"):
                        return m
                for m in self.before(head.i, max_back=400):
                    if m.kind == "org" and not m.plural and m.canonical and m.head_i in art.ent_of:
                        return m
        canonical = _strip_det(_core(art, head, span))
        if (head.tag_ == "NNP" or head.is_title and len(words) == 1) and head.text in self.full_names:
            # 'Grant said' after 'Amelia Grant' (also 'Price said', 'Price' tagged as a common noun)
            name = self.full_names[head.text]
            return _Mention(head.i, "person", name, low, head.i, True, gender=self.genders.get(name, ""))
        if head.tag_.startswith("NNP") and kind == "unknown":
            kind = "person" if len(words) >= 2 and all(t.is_title for t in words[-2:]) else "unknown"
        kind = "person" if head.tag_.startswith("NNP") and any(_is_title_word(t.text) for t in words[:-1]) else kind
        if head.tag_.startswith("NNP"):
            canonical = (_person_name(canonical) if kind == "person" else _clean_name(canonical)) or canonical
        return _Mention(head.i, kind, canonical, low, head.i, True,
                        plural=head.tag_ in ("NNS", "NNPS"), gender=_gender_of_words(words))

    def _appositive_person(self, head: Any) -> _Mention | None:
        """'A spokesperson for the White House, Karine Jean-Pierre': the person in apposition
        when the NER covers only part of the name (hyphenated names)."""
        art = self.art
        # the apposition may hang on the one the person speaks for: 'A spokeswoman for Sen. Joe
        # Manchin, Sam Runyon' (a named person has no second name in apposition)
        named_objects = [g for c in head.children if c.dep_ == "prep" and c.lower_ in ("for", "to", "of")
                         for g in c.children if g.dep_ == "pobj" and g.i in art.ent_of]
        for c in [*head.children, *(a for g in named_objects for a in g.children)]:
            if c.dep_ != "appos" or c.tag_ != "NNP":
                continue
            lo, hi = c.left_edge.i, c.right_edge.i + 1
            if hi - lo > 5 or not any(art.ent_of.get(k) is not None and art.ent_of[k].label_ == "PERSON"
                                      for k in range(lo, hi)):
                continue
            name = _person_name(_clean_name(art.span_text((lo, hi))))
            if name:
                name = self.full_name(name)
                return _Mention(head.i, "person", name, head.lower_, head.i, True, gender=self.genders.get(name, ""),
                                also=(c.i,))
        return None

    def _named(self, head: Any, ent: Any, text: str, span: tuple[int, int]) -> _Mention:
        art = self.art
        name = _clean_name(ent.text)
        kind = _ENT_KIND[ent.label_]
        core = _core(art, head, span)
        if kind != "person" and ent.root.i == head.i and _titled_name(core):
            kind, name = "person", core  # '... President Ursula von der Leyen' taken for a place or organisation
        elif kind != "person" and _role_of_person(ent):
            kind = "person"
        if kind == "person":
            name = self.full_name(_person_name(name))
            self._learn_gender(name, ent)
            earlier = tuple(h for m in self.before(head.i, max_back=10**9)
                            if m.kind == "person" and m.canonical == name for h in (*m.also, m.head_i) if h is not None)
            return _Mention(head.i, kind, name, head.lower_, head.i, True, gender=self.genders.get(name, ""),
                            also=tuple(dict.fromkeys(earlier))[:4])
        if ent.root.i == head.i and len(text) > len(ent.text) + 4 and art.doc[span[0]].lower_ not in ("the", "a", "an"):
            name = _strip_det(_core(art, head, span))  # "Russia's Foreign Ministry"
        return _Mention(head.i, kind, name, head.lower_, head.i, True, plural=head.tag_ == "NNPS" or kind == "group")

    def _pronoun(self, head: Any, text: str) -> _Mention:
        want, gender = PRONOUNS[head.lower_]
        if want == "self":
            return _Mention(head.i, "unknown", None, head.lower_)
        ranked: list[tuple[tuple[int, ...], int, _Mention]] = []
        art = self.art
        here = art.sent_start[head.i]
        k = here - 1  # the sentence before, not counting the sentences of a quote ('“A. B. C,” he said')
        while k > 0 and (art.quote_of[k] >= 0 or art.doc[k].is_punct or art.doc[k].is_space):
            k -= 1
        previous = art.sent_start[k] if here > 0 else here
        # 'He described him as "an evil kid" ... He said police were called': the same pronoun as the
        # last main-clause subject before it, with no other subject between, means the same one
        last = next((t for t in reversed(art.doc[previous : head.i]) if _main_subject(t) and art.quote_of[t.i] < 0), None)
        if (last is not None and last.i != head.i and last.tag_ == "PRP" and PRONOUNS.get(last.lower_) == (want, gender)
                and not any(m.kind == "person" and m.head_i in art.ent_of and max(last.i, here) < m.start
                            for m in self.before(head.i, max_back=head.i - last.i))):
            # (unless a person is named in the pronoun's own sentence before it: 'As the official, Lois
            # Lerner, appeared ..., she told ...')
            if last.i not in self._chain:
                self._chain[last.i] = _Mention(last.i, "unknown", None, last.lower_)  # (no cycles)
                self._chain[last.i] = self._pronoun(last, last.text)
            if self._chain[last.i].canonical:
                return self._chain[last.i]
        for order, m in enumerate(self.before(head.i, max_back=400)):
            known = self.genders.get(m.canonical or "", m.gender)
            if want == "person":
                ok = m.kind == "person" and not m.plural and known in ("", gender)
            elif want == "plural":
                ok = m.kind in ("org", "group") or (m.plural and m.kind == "person")
            else:
                ok = m.kind in ("org", "place") and not m.plural
            if ok and m.canonical:
                named = (m.head_i is not None and (m.head_i in self.art.ent_of or self.art.doc[m.head_i].tag_.startswith("NNP"))
                         or (m.kind == "person" and len(m.canonical.split()) >= 2
                             and all(w[:1].isupper() for w in m.canonical.split())))  # "Trump's lawyer, Christopher Kise"
                # 'The Chinese ambassador struck a conciliatory tone. But he also warned ...': a definite
                # person described by role is as good as named when it is the subject just before
                # (described by whom it works for: 'The Chinese ambassador', not 'the president', who is
                # someone named before)
                described = (m.kind == "person" and not m.plural and m.head_i is not None and m.start >= previous
                             and self.art.doc[m.head_i].lower_ in PERSON_NOUNS and m.head_i not in self.art.ent_of
                             and any(c.dep_ in ("amod", "compound") and (c.ent_type_ in ("NORP", "GPE", "ORG")
                                                                       or c.tag_.startswith("NNP") or c.is_title
                                                                       and c.i > self.art.sent_start[c.i])
                                     or c.dep_ == "poss" and c.tag_.startswith("NN")  # "the victim's mother"
                                     for c in self.art.doc[m.head_i].children))
                # the named subject of this sentence, then of the previous one, first (news writing
                # refers back to it: '... Mayorkas said ... Asked whether ..., he replied'), then named
                # before nominal, known gender before unknown, subjects, the nearest
                main = m.head_i is not None and _main_subject(art.doc[m.head_i])  # not 'he said Cruz cornered ...'
                recent = (0 if m.start >= here else 1 if m.start >= previous else 2) if main and (named or described) else 2
                rank = (recent, 0 if named or want != "person" else 1, 0 if known or want != "person" else 1,
                        0 if m.subject else 1)
                ranked.append((rank, order, m))
        best = min(ranked, key=lambda x: (x[0], x[1]))[2] if ranked else None
        if best is None:
            return _Mention(head.i, "unknown", None, head.lower_)
        if want == "person" and best.canonical and best.canonical not in self.genders:
            self.genders[best.canonical] = gender
        return best


def _main_subject(token: Any) -> bool:
    """The subject of a sentence's main verb (or of a verb joined to it), not of a clause inside."""
    if token.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = token.head
    return verb.dep_ == "ROOT" or (verb.dep_ == "conj" and verb.head.dep_ == "ROOT")


def _role_of_person(ent: Any) -> bool:
    """A name of two or three capitalised words after a role noun ('presidential candidate Nikki
    Haley', 'spokesman Steven Cheung'): a person, whatever label the NER gave it."""
    words = ent.text.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words):
        return False
    return any(c.dep_ in ("compound", "amod") and not ent.start <= c.i < ent.end and c.lower_ in PERSON_NOUNS
               for c in ent.root.children)


def _qualifier(noun: Any) -> str:
    """'former' for 'former president' (a title held no longer), '' for a title held now."""
    return next((a.lower_ for a in noun.children if a.dep_ == "amod" and a.lower_ in ("former", "ex", "late", "then")), "")


def _document_author(head: Any) -> Any | None:
    """Who issued a statement, letter or report: 'from / by X', 'signed by X', 'X's statement',
    'a White House readout' (a proper-noun modifier); ``None`` when the document names nobody."""
    for c in head.children:
        preps = [c] if c.dep_ == "prep" and c.lower_ in ("from", "by") else \
            [g for g in c.children if g.dep_ == "agent"] if c.dep_ == "acl" else []
        for prep in preps:
            pobj = next((g for g in prep.children if g.dep_ == "pobj" and g.tag_.startswith(("NN", "PRP"))), None)
            if pobj is not None:
                return pobj
    for c in head.children:
        if c.dep_ == "poss" and c.tag_.startswith("NN"):
            return c
    modifiers = [c for c in head.children if c.dep_ == "compound" and c.tag_.startswith("NNP")]
    return modifiers[-1] if modifiers else None


def _author_span(author: Any) -> tuple[int, int]:
    """The words naming a document's author: its subtree, or the run of proper-noun modifiers
    before the document noun ('a Justice Department filing' -> Justice Department)."""
    lo, hi = author.left_edge.i, author.right_edge.i + 1
    if author.dep_ == "compound":
        k = author.i
        while k - 1 >= 0 and author.doc[k - 1].dep_ == "compound" and author.doc[k - 1].head.i == author.head.i \
                and author.doc[k - 1].tag_.startswith("NNP"):
            k -= 1
        lo = min(lo, k)
    return lo, hi


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _nominal_kind(head: Any) -> str:
    """person, org, group (people or organisations), or thing/unknown for other nouns."""
    low = head.lower_
    if head.tag_ in ("NNS", "NNPS"):
        one = _singular(low)
        if head.tag_ == "NNPS" or low in HUMAN_PLURALS or one in PERSON_NOUNS or one in ORG_NOUNS:
            return "group"
        return "thing"
    if low in PERSON_NOUNS:
        return "person"
    if low in ORG_NOUNS:
        return "org"
    return "unknown"


def _gender_of_words(words: Sequence[Any]) -> str:
    lows = {t.lower_ for t in words}
    if lows & _MALE_WORDS:
        return "m"
    if lows & _FEMALE_WORDS:
        return "f"
    return ""


def _clean_name(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()
    text = re.sub(r"['’]s?$", "", text)
    text = _TITLE_PREFIX.sub("", text)
    text = re.sub(r"^(?:the|The)\s+", "", text)
    return text.strip(" ,()")


def _titled_name(text: str) -> bool:
    """A title followed by a capitalised name: 'Commission President Ursula von der Leyen'."""
    words = text.split()
    last = max((k for k, w in enumerate(words) if _is_title_word(w)), default=-1)
    rest = words[last + 1 :]
    if rest and rest[-1].lower() in ORG_NOUNS:
        return False  # 'Justice Department' is no Justice named Department
    return last >= 0 and bool(rest) and rest[0][:1].isupper() and rest[-1][:1].isupper()


def _is_title_word(word: str) -> bool:
    return word[:1].isupper() and word.rstrip(".").lower() in _TITLE_WORDS


def _person_name(text: str) -> str:
    """The name after the last title in a chain: 'European Commission President Ursula von der
    Leyen' -> 'Ursula von der Leyen'."""
    words = _clean_name(text).split()
    last = max((k for k, w in enumerate(words) if w.rstrip(".").lower() in _TITLE_WORDS), default=-1)
    name = words[last + 1 :]
    return " ".join(name) if name and name[0][:1].isupper() else " ".join(words)


def _strip_det(text: str) -> str:
    return re.sub(r"^(?:the|a|an|The|A|An|this|This)\s+", "", text.strip())


def _core(art: _Article, head: Any, span: tuple[int, int]) -> str:
    """A noun phrase up to its head ("U.S. officials traveling with him" -> "U.S. officials")."""
    i = span[0]
    j = max(i + 1, min(span[1], head.i + 1))
    return art.span_text((i, j))


def _party_phrase(art: _Article, head: Any, depth: int = 0) -> str:
    """The words of a mention that may name a party: the noun phrase up to its head, its
    apposition, and for heads like "spokesman" or "official" the of/for/at/in/with/from phrase
    ("a spokesman for the Kremlin"); not "a critic of Obama"."""
    lo = head.left_edge.i
    while lo < head.i and art.quote_of[lo] != art.quote_of[head.i]:
        lo += 1
    parts = [art.span_text((lo, head.i + 1))]
    if depth < 2:
        for child in head.children:
            if child.i < head.i:
                continue
            if child.dep_ == "appos":
                parts.append(_party_phrase(art, child, depth + 1))
            elif child.dep_ == "prep" and child.lower_ in ("of", "for", "at", "in", "with", "from") \
                    and head.lower_ in AFFILIATION_NOUNS:
                obj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if obj is not None:
                    parts.append(_party_phrase(art, obj, depth + 1))
    return " ; ".join(parts)


# ============================================================================ records
def extract_from_doc(
    doc: Any,
    doc_id: str = "doc",
    *,
    parties: PartyConfig | None = None,
    metadata: dict[str, Any] | None = None,
    text: str | None = None,
) -> list[dict[str, Any]]:
    """Attributed statements of a parsed article (a spaCy Doc with a dependency parse).
    ``text``: the article (``doc.text``), when the caller has it at hand."""
    text = doc.text if text is None else text
    if not text.strip():
        log.warning("%s: empty article; nothing extracted", doc_id)
        return []
    art = _Article(doc, doc_id, text)
    _warn_if_not_english(art)
    cands = _direct_candidates(art)
    used = {c.cue[0] for c in cands}
    cands += _block_candidates(art, used)
    used |= {c.cue[0] for c in cands}
    cands += _reported_candidates(art, used)
    cands += _headline_candidates(art, cands)
    cands = _finalise(art, cands)
    cands += _orphans(art, cands)
    cands.sort(key=lambda c: (c.start, c.end))
    return _records(art, cands, parties, metadata or {})


def _records(art: _Article, cands: list[_Candidate], parties: PartyConfig | None,
             metadata: dict[str, Any]) -> list[dict[str, Any]]:
    resolver = _Resolver(art)
    doc = art.doc
    resolved: dict[int, _Mention] = {}
    last: tuple[_Candidate, _Mention] | None = None  # the statement before, and whom it was given to
    for c in sorted(cands, key=lambda c: c.speaker_head if c.speaker_head is not None else -1):
        if c.speaker_head is None or c.speaker is None or c.speaker_head in resolved:
            continue
        head = doc[c.speaker_head]
        if not c.speaker[0] <= head.i < c.speaker[1]:
            # the parser's subject lies outside the trimmed speaker ('MOSCOW — Russian President Vladimir
            # Putin, ..., said' with the dateline as subject): the speaker's own head
            head = doc[c.speaker[0] : c.speaker[1]].root
        mention = resolver.resolve(head, c.speaker)
        if last is not None and head.tag_ == "PRP" and _FORMS.get(doc[c.cue[0]].lower_) in CONTINUING:
            # '"...," he sarcastically continued' / 'he added': the one who spoke just before goes on
            before, who = last
            want, gender = PRONOUNS.get(head.lower_, ("", ""))
            if (want == "person" and who.kind == "person" and who.canonical and not who.plural
                    and resolver.genders.get(who.canonical, who.gender) in ("", gender)
                    and art.sent_start[c.start] <= art.sent_end[before.end - 1] + 60):
                mention = who
        resolved[c.speaker_head] = mention
        last = (c, mention)
        if mention.start != c.speaker_head:  # a later pronoun or nominal may refer to this one
            mention = _Mention(c.speaker_head, mention.kind, mention.canonical, doc[c.speaker_head].lower_,
                               mention.head_i, True, mention.plural, mention.gender, mention.also)
        resolver.add(mention)
    memo: dict[tuple[Any, ...], str | None] = {}
    records = []
    for n, c in enumerate(cands, start=1):
        if c.rule not in RULES:
            raise AssertionError(f"statement made by an unregistered rule {c.rule!r}")
        start, end = art.char_span((c.start, c.end))
        content = art.text[start:end]
        cue_s, cue_e = art.char_span(c.cue)
        speaker = art.span_text(c.speaker) if c.speaker else None
        sp_s, sp_e = art.char_span(c.speaker) if c.speaker else (None, None)
        mention = resolved.get(c.speaker_head) if c.speaker_head is not None else None
        canonical = mention.canonical if mention is not None else None
        speaker_party = target_party = None
        if parties is not None:
            speaker_party = _party(parties, memo, resolver, mention, speaker)
            if c.target_head is not None and not parties.bilateral:
                target_party = parties.party_of(_party_phrase(art, doc[c.target_head]))
                if target_party == speaker_party:
                    target_party = None
            if target_party is None:
                target_party = parties.target_party(speaker_party, content)
        if c.how == "orphan":
            lo, hi = art.sent_start[c.start], art.sent_end[c.end - 1]
        else:
            lo = min(art.sent_start[c.start], art.sent_start[c.cue[0]])
            hi = max(art.sent_end[c.end - 1], art.sent_end[c.cue[0]])
        ctx_start, ctx_end = art.char_span((lo, hi))
        record: dict[str, Any] = {
            "doc_id": art.doc_id,
            "statement_id": f"s{n:03d}",
            "text": content,
            "source": canonical or speaker,
            "target": parties.display_name(target_party) if parties is not None else None,
            "context": art.text[ctx_start:ctx_end].strip(),
            "kind": c.kind,
            "cue_type": cue_type(art.text[cue_s:cue_e]),
            "rule": c.rule,
            "content": content,
            "start": start,
            "end": end,
        }
        if len(c.fragments) > 1:
            record["fragments"] = [list(art.char_span(f)) for f in c.fragments]
        record.update({
            "speaker": speaker,
            "speaker_start": sp_s,
            "speaker_end": sp_e,
            "cue": art.text[cue_s:cue_e],
            "cue_start": cue_s,
            "cue_end": cue_e,
            "speaker_canonical": canonical,
            "speaker_party": speaker_party,
            "target_party": target_party,
        })
        for key, value in metadata.items():
            record.setdefault(key, value)
        records.append(record)
    return records


def _party(parties: PartyConfig, memo: dict[tuple[Any, ...], str | None], resolver: _Resolver,
           mention: _Mention | None, speaker: str | None) -> str | None:
    """The speaker's party (:meth:`PartyConfig.speaker_party` of the entity meant and of the words
    that describe it)."""
    if mention is None:
        return parties.speaker_party(speaker)
    key = (mention.canonical, mention.head_i, mention.also)
    if key not in memo:
        memo[key] = parties.speaker_party(mention.canonical, resolver.description(mention))
    return memo[key]


def _warn_if_not_english(art: _Article) -> None:
    arr, doc_id = art.lexical, art.doc_id
    alpha = arr[arr[:, 0] == 1]
    if len(alpha) < 20:
        return
    ascii_share = alpha[:, 1].mean()
    stop_share = alpha[:, 2].mean()
    if ascii_share < 0.5 or stop_share < 0.12:
        log.warning("%s: does not look like English (%.0f%% English function words); statements may be missed",
                    doc_id, 100 * stop_share)


def extract_statements(
    text: str,
    doc_id: str = "doc",
    *,
    nlp: Any = None,
    parties: PartyConfig | None = None,
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Attributed statements of one article (parsed here with :func:`stance.nlp.parse`)."""
    from .nlp import parse

    if not text.strip():
        log.warning("%s: empty article; nothing extracted", doc_id)
        return []
    return extract_from_doc(parse(text, nlp), doc_id, parties=parties, metadata=metadata, text=text)


# ============================================================================ files
ARTICLE_FIELDS = ("doc_id", "text", "date", "outlet", "url", "title")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")


def iter_articles(paths: Iterable[str | Path]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(doc_id, text, metadata)`` per article: a ``.txt`` file is one article (doc_id = file
    stem); a ``.jsonl`` file holds one per line, and a ``.csv`` / ``.tsv`` / ``.parquet`` table one per
    row, with ``doc_id`` and ``text`` and optionally ``date`` (ISO 8601, e.g. ``2014-05-12``),
    ``outlet``, ``url``, ``title`` or any other field: the metadata every statement of the article
    keeps. A corpus spec such as ``polnear:dev`` (not a file) gives the articles of that split of an
    annotated corpus. Bad input is an InputError naming file, line (a table's first data row is line
    2) and field."""
    from .corpora.polnear import iter_articles as polnear_articles, parse_spec
    from .io import iter_jsonl, read_text

    seen: dict[str, str] = {}
    for path in map(Path, paths):
        suffix = path.suffix.lower()
        split = parse_spec(path) if not path.exists() else None
        if split is not None:
            rows = ((None, {"doc_id": doc_id, "text": text, **meta}) for doc_id, text, meta in polnear_articles(split))
        elif suffix in (".jsonl", ".json"):
            rows: Iterable[tuple[int | None, dict[str, Any]]] = iter_jsonl(path)
        elif suffix in TABLE_SUFFIXES:
            rows = _table_rows(path)
        else:
            rows = [(None, {"doc_id": path.stem, "text": read_text(path)})]
        for line, row in rows:
            doc_id, text = row.get("doc_id"), row.get("text")
            if doc_id is None or isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
                raise InputError(path, "missing or empty doc_id", line=line, field="doc_id")
            if not isinstance(text, str):
                raise InputError(path, f"expected the article text as a string, got {type(text).__name__}",
                                 line=line, field="text")
            doc_id = str(doc_id)
            if doc_id in seen:
                raise InputError(path, f"duplicated doc_id {doc_id!r} (first in {seen[doc_id]})", line=line, field="doc_id")
            seen[doc_id] = f"{path}:{line}" if line else str(path)
            metadata = {k: v for k, v in row.items() if k not in ("doc_id", "text")}
            _check_metadata(metadata, path, line)
            yield doc_id, text, metadata


def _table_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of a CSV / TSV / Parquet table of articles as dicts (empty cells left out), with the
    line number of each in the file (header = line 1). Cells are read as text, except in Parquet,
    where dates become ISO strings."""
    import pandas as pd

    from .io import read_text

    if not path.is_file():
        raise InputError(path, "no such file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            import io as _io

            frame = pd.read_csv(_io.StringIO(read_text(path)), sep="\t" if path.suffix.lower() == ".tsv" else ",",
                                dtype=str, keep_default_na=False)
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise InputError(path, f"cannot read the table: {str(err).strip().splitlines()[0]}") from None
    if frame.empty:
        raise InputError(path, "the table holds no articles")
    for column in ("doc_id", "text"):
        if column not in frame.columns:
            raise InputError(path, f"the table has no {column!r} column (columns: {list(map(str, frame.columns))})",
                             line=1, field=column)
    for i, row in enumerate(frame.to_dict("records")):
        out: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and value != value) or value == "":
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif hasattr(value, "item"):  # numpy scalars
                value = value.item()
            out[str(key)] = value
        yield i + 2, out


def _check_metadata(metadata: dict[str, Any], path: Path, line: int | None) -> None:
    """``date`` must be an ISO 8601 date (grouping by month reads it); ``outlet``, ``url`` and ``title``
    strings."""
    from datetime import datetime

    date = metadata.get("date")
    if date is not None:
        try:
            if not isinstance(date, str):
                raise ValueError
            datetime.fromisoformat(date.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(path, f"expected an ISO 8601 date such as 2014-05-12, got {date!r}", line=line,
                             field="date") from None
    for field in ("outlet", "url", "title"):
        value = metadata.get(field)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f"expected a string, got {type(value).__name__}", line=line, field=field)


def extract_many(
    articles: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    nlp: Any = None,
    parties: PartyConfig | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    show_progress_bar: bool = False,
) -> Iterator[dict[str, Any]]:
    """Statements of many ``(doc_id, text, metadata)`` articles, streamed in input order.

    Parsing goes through ``nlp.pipe`` in batches. With ``n_process`` > 1, worker processes each
    parse and extract a share of the articles (chunks of ``batch_size``), and the statements come
    back in order."""
    from tqdm.auto import tqdm

    from .nlp import load_nlp

    nlp = nlp if nlp is not None else load_nlp()
    bar = tqdm(desc="extract", unit="article", disable=not show_progress_bar)
    if n_process <= 1:
        for records in _extract_batches(articles, nlp, parties, batch_size):
            bar.update(1)
            yield from records
        bar.close()
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunks = _chunks(articles, batch_size)
    with context.Pool(n_process, initializer=_init_worker, initargs=(nlp if method == "fork" else None, parties)) as pool:
        for batch in pool.imap(_extract_chunk, chunks):
            for records in batch:
                bar.update(1)
                yield from records
    bar.close()


def _extract_batches(articles: Iterable[tuple[str, str, dict[str, Any]]], nlp: Any, parties: PartyConfig | None,
                     batch_size: int) -> Iterator[list[dict[str, Any]]]:
    """The statements of each article, one list per article, parsed with ``nlp.pipe``."""
    from collections import deque

    from .nlp import parse_many

    queue: deque[tuple[str, str, dict[str, Any]]] = deque()

    def texts() -> Iterator[str]:
        for article in articles:
            queue.append(article)
            yield article[1]

    for doc in parse_many(texts(), nlp, batch_size=batch_size):
        doc_id, text, meta = queue.popleft()
        yield extract_from_doc(doc, doc_id, parties=parties, metadata=meta, text=text)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER: dict[str, Any] = {}


def _init_worker(nlp: Any, parties: PartyConfig | None) -> None:
    from .nlp import load_nlp

    _WORKER["nlp"] = nlp if nlp is not None else load_nlp()
    _WORKER["parties"] = parties


def _extract_chunk(chunk: list[tuple[str, str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    return list(_extract_batches(chunk, _WORKER["nlp"], _WORKER["parties"], len(chunk)))


def extract_files(articles: list[str], output: str, parties: str | None = None) -> int:
    """``stance extract``: the statements of the articles (.txt, or JSONL with doc_id and text)
    into ``output`` (JSONL, written atomically). Returns the number of statements written.

    Everything is checked before the first article is parsed: the output path, the party config
    and every article (a first streaming pass), so bad input fails at once with one clear error."""
    from .io import check_output_file, read_once, write_jsonl
    from .nlp import load_nlp

    check_output_file(output, inputs=[*articles, *([parties] if parties else [])])
    config = PartyConfig.from_yaml(parties) if parties else None
    with read_once(articles) as files:  # a pipe (`<(cat a.txt)`) gives its bytes to one read only
        n_articles = sum(1 for _ in iter_articles(files))
        rows = extract_many(iter_articles(files), nlp=load_nlp(), parties=config, show_progress_bar=True)
        n = write_jsonl(output, rows)
    log.info("wrote %d statements from %d articles to %s", n, n_articles, output)
    return n
