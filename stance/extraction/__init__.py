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

Modules, from the bottom up (each imports only those before it): ``words`` (the word lists),
``quotes`` (quotation marks in the text), ``grammar`` (questions asked of one token of the parse),
``document`` (the parsed article the rules read, a statement as the rules find it, span helpers),
``speakers`` (who a speaker mention means), ``direct`` (quotes and their attributions),
``reported`` (reported speech and the other attributions), ``records`` (statement records and the
rule registry), ``extract`` (one article: the rules, then the passes that put their findings
together), ``articles`` (reading articles and extracting many: ``stance extract``). The names below
are this package's API: import them from ``stance.extraction``.
"""
from __future__ import annotations

from .articles import (
    ARTICLE_FIELDS, TABLE_SUFFIXES, extract_batches, extract_files, extract_many, extract_parsed, iter_articles,
)
from .extract import extract_from_doc, extract_statements
from .grammar import cue_lemma, cue_subject
from .quotes import (
    CLOSE_MARKS, OPEN_MARKS, PTB_CLOSE, PTB_OPEN, QUOTE_CHARS, SINGLE_MARKS, STRAIGHT, Quote, find_quotes,
    paragraph_spans, single_quotes_as_double,
)
from .records import RULES
from .words import (
    ADDRESSEE, AFFILIATION_NOUNS, AGENT_PRONOUNS, ASIDE_WORDS, BELIEF_VERBS, CHARACTERIZING, CLAIM_NOUNS, CLAUSE_END,
    CONTINUING, CUE_VERBS, DASHES, DOCUMENT_NOUNS, EVIDENCE_VERBS, HEADLINE_VERBS, HUMAN_PLURALS, INTENT_ACTS,
    INTENT_VERBS, LEAD_PUNCT, MODALS, NAMING, NOT_CUES, NP_CONTENT, OBJECT_PREP, ORG_NOUNS, PARTICLE, PASSIVE_STANCE,
    PERSON_NOUNS, POSITION_VERBS, PREP_CONTENT, PRONOUNS, QUOTE_ONLY_VERBS, SPEECH_EVENTS, SPEECH_VERBS,
    STATE_ADJECTIVES, TRAIL_PUNCT, XCOMP_CONTENT,
)

__all__ = [
    "ADDRESSEE", "AFFILIATION_NOUNS", "AGENT_PRONOUNS", "ARTICLE_FIELDS", "ASIDE_WORDS", "BELIEF_VERBS",
    "CHARACTERIZING", "CLAIM_NOUNS", "CLAUSE_END", "CLOSE_MARKS", "CONTINUING", "CUE_VERBS", "DASHES",
    "DOCUMENT_NOUNS", "EVIDENCE_VERBS", "HEADLINE_VERBS", "HUMAN_PLURALS", "INTENT_ACTS", "INTENT_VERBS",
    "LEAD_PUNCT", "MODALS", "NAMING", "NOT_CUES", "NP_CONTENT", "OBJECT_PREP", "OPEN_MARKS", "ORG_NOUNS", "PARTICLE",
    "PASSIVE_STANCE", "PERSON_NOUNS", "POSITION_VERBS", "PREP_CONTENT", "PRONOUNS", "PTB_CLOSE", "PTB_OPEN",
    "QUOTE_CHARS", "QUOTE_ONLY_VERBS", "RULES", "SINGLE_MARKS", "SPEECH_EVENTS", "SPEECH_VERBS", "STATE_ADJECTIVES",
    "STRAIGHT", "TABLE_SUFFIXES", "TRAIL_PUNCT", "XCOMP_CONTENT", "Quote", "cue_lemma", "cue_subject", "extract_files",
    "extract_batches", "extract_from_doc", "extract_many", "extract_parsed", "extract_statements", "find_quotes", "iter_articles", "paragraph_spans",
    "single_quotes_as_double",
]
