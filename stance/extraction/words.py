"""The word lists the rules read: cue verbs by the frames they take, nouns of people, groups,
organisations and documents, pronouns, first names by gender, titles, and the punctuation that
bounds a clause. ``_FORMS`` maps every inflected form of a cue verb to its lemma."""
from __future__ import annotations

import re
from collections.abc import Iterable


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


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word
