"""The morpheme pattern language: parser and compiler.

A pattern is matched against the tokens of one Kiwi sentence (quoted speech removed). Summary
(the same summary is in the README):

    token      FORM/TAG  — 모르/VV, 담당/NNG, */EF, /EF (any form), 드리 (any tag)
               alternatives with commas: 모르,몰르/VV ; tags: /VV,VA ; tag prefix: /V* /E*
               regex form: ~^개.+/NNG (Python re.search on the normalised form)
               negated: !시/EP (zero-width: the next token is not 시/EP)
    group      ( a b | c )   alternatives of sequences
    quantifier x?  x*  x+  x{1,3}
    gap        ..  (0-6 tokens)   ..3  (0-3 tokens)
    anchors    ^ (sentence start; leading interjections/punctuation ignored)  $ (sentence end,
               trailing punctuation ignored)
    lookahead  !( ... )  the following tokens do NOT match ...
    predicate  @banmal @polite @final @question @profane @lex(NAME) and macros like @offer
    clauses    after the main sequence, separated by ';':
               unless after X / unless before X / unless sent X / unless utt X
               if after X / if before X / if sent X / if utt X
               (after/before = rest of the utterance after/before the match, across sentences)

Forms are compared after folding Kiwi's conjoining jamo (ᆫ데요 → ㄴ데요) and dropping the
epenthetic 으 of endings (으세요 → 세요), so write patterns the way they are spelled in a grammar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import speech_level
from .messages import Message, gettext_noop
from .morph import Sentence, Utterance, normalize_form

Matcher = Callable[[Sentence, int], Iterator[int]]

DEFAULT_GAP = 6
_FILLER_TAGS = frozenset({"IC", "SF", "SP", "SE", "SO", "SS", "SSO", "SSC", "SW"})


class PatternError(ValueError):
    """A pattern that does not compile; `message` is a tone.messages.Message the app can translate."""

    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""


Keys = tuple[frozenset[str], ...]
First = tuple[frozenset[str], frozenset[str]] | None


@dataclass
class Node:
    match: Matcher
    # Prefilter, all clauses must hold: each is a set of which the sentence must contain one
    # form ('f:…'), tag ('t:…') or satisfy one predicate ('p:…'). Empty tuple: no constraint.
    keys: Keys = ()
    min_len: int = 1
    # (forms, tags) a match can start with; None = any token. Lets the search skip most start
    # positions without entering the matcher.
    first: First = None
    zero: bool = False  # never consumes a token (anchors, lookaheads)
    # Where in a sentence a match can start, when a cheap lookup knows (a lexicon hit's first
    # token): the search then tries those positions only. None = any position `first` allows.
    starts: Callable[[Sentence], list[int]] | None = None


@dataclass
class Clause:
    negate: bool
    scope: str
    node: Node


@dataclass
class CompiledPattern:
    source: str
    main: Node
    clauses: list[Clause] = field(default_factory=list)

    def find(self, utt: Utterance) -> list[tuple[Sentence, int, int]]:
        """All non-overlapping matches (sentence, start token, end token) passing the clauses."""
        hits: list[tuple[Sentence, int, int]] = []
        for sent in utt.sents:
            if not _keys_present(self.main.keys, sent):
                continue
            for i, j in _iter_matches(self.main, sent):
                if all(_clause_ok(c, utt, sent, i, j) for c in self.clauses):
                    hits.append((sent, i, j))
        return hits


_SPLIT_KEYS: dict[frozenset[str], tuple[frozenset[str], frozenset[str], tuple[str, ...]]] = {}


def _split_clause(clause: frozenset[str]) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    split = _SPLIT_KEYS.get(clause)
    if split is None:
        split = _SPLIT_KEYS[clause] = (
            frozenset(k[2:] for k in clause if k[0] == "f"),
            frozenset(k[2:] for k in clause if k[0] == "t"),
            tuple(k[2:] for k in clause if k[0] == "p"),
        )
    return split


def _keys_present(keys: Keys, sent: Sentence) -> bool:
    # runs for every rule on every sentence, so the set tests stay in C
    for clause in keys:
        forms, tags, preds = _split_clause(clause)
        if forms and not forms.isdisjoint(sent.forms):
            continue
        if tags and not tags.isdisjoint(sent.tags):
            continue
        if preds and any(PREDICATE_PRESENT[p](sent) for p in preds):
            continue
        return False
    return True


def _iter_matches(
    node: Node, sent: Sentence, lo: int = 0, hi: int | None = None, allow_empty: bool = False
) -> Iterator[tuple[int, int]]:
    toks = sent.toks
    n = len(toks) if hi is None else hi
    if node.starts is not None and not allow_empty:
        # the same leftmost, non-overlapping matches, trying only where one can start
        i_min = lo
        for i in node.starts(sent):
            if i < i_min or i >= n:
                continue
            for j in node.match(sent, i):
                if j > i and (hi is None or j <= hi):
                    yield i, j
                    i_min = j
                    break
        return
    first = None if allow_empty else node.first
    i = lo
    while i < n or (allow_empty and i == n):
        if first is not None:
            ff, ft = first
            t = toks[i]
            if t.form not in ff and t.tag not in ft:
                i += 1
                continue
        for j in node.match(sent, i):
            if (j > i or allow_empty) and (hi is None or j <= hi):
                yield i, j
                i = j - 1
                break
        i += 1


def _search(node: Node, sent: Sentence, lo: int = 0, hi: int | None = None) -> bool:
    if not _keys_present(node.keys, sent):
        return False
    # clause conditions may be zero-width (if sent @question)
    for _ in _iter_matches(node, sent, lo, hi, allow_empty=True):
        return True
    return False


def _clause_ok(c: Clause, utt: Utterance, sent: Sentence, i: int, j: int) -> bool:
    found = False
    if c.scope == "sent":
        found = _search(c.node, sent)
    elif c.scope == "after":
        found = _search(c.node, sent, lo=j) or any(_search(c.node, s) for s in utt.sents[sent.index + 1 :])
    elif c.scope == "before":
        found = _search(c.node, sent, hi=i) or any(_search(c.node, s) for s in utt.sents[: sent.index])
    elif c.scope == "utt":
        found = any(_search(c.node, s) for s in utt.sents)
    return found != c.negate


# ---------------------------------------------------------------- predicates


def _pred_banmal(sent: Sentence, i: int) -> Iterator[int]:
    if i in speech_level.banmal_positions(sent):
        yield i + 1


def _pred_polite(sent: Sentence, i: int) -> Iterator[int]:
    if i in speech_level.polite_positions(sent):
        yield i + 1


def _pred_final(sent: Sentence, i: int) -> Iterator[int]:
    if i in speech_level.final_ending_positions(sent):
        yield i + 1


def _pred_question(sent: Sentence, i: int) -> Iterator[int]:
    # zero-width: the sentence is a question
    if speech_level.is_question(sent):
        yield i


def _lexicon_pred(name: str) -> Matcher:
    from . import lexicon

    def m(sent: Sentence, i: int) -> Iterator[int]:
        for a, b in lexicon.token_spans(sent, name):
            if a == i:
                yield b

    return m


def _lexicon_starts(name: str) -> Callable[[Sentence], list[int]]:
    from . import lexicon

    def starts(sent: Sentence) -> list[int]:
        return [a for a, _ in lexicon.token_spans(sent, name)]

    return starts


PREDICATES: dict[str, tuple[Matcher, int]] = {
    "banmal": (_pred_banmal, 1),
    "polite": (_pred_polite, 1),
    "final": (_pred_final, 1),
    "question": (_pred_question, 0),
}


def _present_lex(name: str) -> Callable[[Sentence], bool]:
    from . import lexicon

    return lambda s: bool(lexicon.token_spans(s, name))


# endings that set the speech level are EF, or EC closing the sentence
PREDICATE_FIRST: dict[str, First] = {
    "banmal": (frozenset(), frozenset({"EF", "EC"})),
    "polite": (frozenset(), frozenset({"EF", "EC"})),
    "final": (frozenset(), frozenset({"EF", "EC"})),
    "question": (frozenset(), frozenset()),
}

PREDICATE_PRESENT: dict[str, Callable[[Sentence], bool]] = {
    "banmal": lambda s: bool(speech_level.banmal_positions(s)),
    "polite": lambda s: bool(speech_level.polite_positions(s)),
    "final": lambda s: bool(speech_level.final_ending_positions(s)),
    "question": speech_level.is_question,
}

# Macros are patterns themselves so trainers can read what @offer means.
MACROS: dict[str, str] = {
    # The agent offers an alternative, a transfer, a route or a next step of their own. Verbs of
    # the agent's own action carry 드리다 or the volitional -겠-/-ㄹ게요 without -시-. '방법이 없다'
    # is the opposite of an offer; '-시면 됩니다' tells the customer to do it themselves.
    "offer": (
        "( ( 드리/VX | 드리/VV !( 어야/EC ) | 도와드리/VV | 돕/VV ) !( @not_done ) | 대신/MAG,NNG,MAJ | 다만/MAJ,MAG"
        " | 방법/NNG !( /J*? 없/VA ) | 가능/NNG,XR | 수/NNB /J*? 있/VA,VV !( 는,ㄴ/ETM ..3 ( 없/VA | 아니/VCN ) )"
        " | ( 드리,보,하,주,두/VX | 하/XSV | 하,보,보내,알리,알아보,찾,올리,넣,남기/VV )"
        " ( 겠/EP | ㄹ게요,ㄹ께요,ㄹ게/EF | 도록/EC )"
        " | 면/EC ..5 ( 처리,진행,해결,가능,안내/NNG,XR | 수/NNB /J*? 있/VA,VV ) )"
    ),
    # the agent doing the work: '제가 … 드리겠습니다', '저희가 … 확인할게요' (not a question)
    "agent_will": (
        "( 제/NP 가/JKS | 저희/NP /JKS,JX | 제/MM 쪽/NNB ) ..8 /VV,VX,XSV !시/EP"
        " ( 겠/EP ( 습니다,ㅂ니다,어요/EF ) | ㄹ게요,ㄹ께요/EF | 었/EP 습니다/EF | 어/EC 두/VX 었/EP )"
    ),
    # the agent apologising: '죄송합니다', '미안합니다', '사과드립니다', '송구합니다'
    "apology": (
        "( 죄송,미안,송구/XR,NNG | 죄송하,미안하,송구하/VA | 사과/NNG /J*? ( 드리/VV,VX | 하/VV,XSV ) | 사과드리/VV )"
    ),
    # Warning an abusive caller and ending the call is the protected procedure of 산업안전보건법
    # 제41조 (고객응대근로자 보호): rules about the agent's manner stay silent on it.
    "abuse_warning": (
        "( 폭언,욕설,성희롱,언어폭력,인신공격,모욕,협박,고성/NNG | 욕/NNG /J*? 하/VV,XSV"
        " | 인격/NNG 모독/NNG | 성적/NNG,MM 발언/NNG )"
    ),
    # what follows a helping verb when the help is refused or already past: '드릴 수 없어요',
    # '드리지 않습니다', '말씀드렸잖아요'
    "not_done": (
        "( ㄹ/ETM ( 수/NNB | 거,것,게/NNB | 필요,의무,이유,말씀/NNG ) /J*? ..2 ( 없/VA | 아니/VCN )"
        " | 지/EC ..2 ( 않/VX | 못하/VX | 말/VX ) | 었/EP ..2 잖아요,잖아/EF"
        " | 기/ETN /J*? ..2 ( 어렵/VA | 힘들/VA | 곤란/NNG,XR ) )"
    ),
    # the customer addressed politely
    "you": (
        "( 고객/NNG 님/XSN | 회원/NNG 님/XSN | 대표/NNG 님/XSN | 선생/NNG 님/XSN | 손님/NNG"
        " | 어머님/NNG | 아버님/NNG | 사장/NNG 님/XSN )"
    ),
    # plain / derogatory 2nd person: talking down to someone
    "you_low": "( 너/NP | 니/NP | 네/NP | 당신/NP | 너희/NP | 니네/NP | 너네/NP | 자네/NP | 이/MM 양반/NNG )",
    "honorific": "( 시/EP | 세요/EF | 셔요/EF | 십시오/EF | 시지요/EF )",
}


# ---------------------------------------------------------------- lexer / parser


def _lex(src: str) -> list[tuple[str, str]]:
    """Split a pattern into (kind, text) lexemes.

    `*`/`+` after a token belong to the token (tag prefix `/V*`, any-form `*`); as quantifiers
    they are only read after a closing ')'. `?` and `{m,n}` quantify anything.
    """
    out: list[tuple[str, str]] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif c == "(" or src.startswith("!(", i):
            w = 2 if c == "!" else 1
            out.append(("lparen", src[i : i + w]))
            i += w
        elif c == ")":
            out.append(("rparen", ")"))
            i += 1
            if i < n and src[i] in "?*+":
                out.append(("quant", src[i]))
                i += 1
            elif i < n and src[i] == "{":
                i = _lex_brace(src, i, out)
        elif c == "|":
            out.append(("bar", "|"))
            i += 1
        elif c == "@":
            m = re.compile(r"@[A-Za-z_]\w*(?:\([^)\s]*\))?").match(src, i)
            if not m:
                raise PatternError(Message(gettext_noop("bad predicate at {text!r}"), text=src[i : i + 15]))
            out.append(("pred", m.group()))
            i = m.end()
            if i < n and src[i] == "?":
                out.append(("quant", "?"))
                i += 1
        else:
            j = i
            if c == "~":  # regex forms run to the next whitespace
                while j < n and not src[j].isspace():
                    j += 1
            else:
                while j < n and not src[j].isspace() and src[j] not in "()|":
                    j += 1
            word = src[i:j]
            i = j
            quant = None
            m = re.search(r"\{\d+(?:,\d*)?\}$", word)
            if m and m.start() > 0:
                word, quant = word[: m.start()], m.group()
            elif word.endswith("?") and len(word) > 1 and not word.startswith("?/"):
                word, quant = word[:-1], "?"
            out.append((_word_kind(word), word))
            if quant:
                out.append(("quant", quant))
    return out


def _lex_brace(src: str, i: int, out: list[tuple[str, str]]) -> int:
    j = src.find("}", i)
    if j < 0:
        raise PatternError(Message(gettext_noop("missing '}' in quantifier")))
    out.append(("quant", src[i : j + 1]))
    return j + 1


def _word_kind(word: str) -> str:
    if re.fullmatch(r"\.\.\d*", word):
        return "gap"
    if word in ("^", "$"):
        return "anchor"
    if word.startswith("@"):
        if not re.fullmatch(r"@[A-Za-z_]\w*(\([^)\s]*\))?", word):
            raise PatternError(Message(gettext_noop("bad predicate {word!r}"), word=word))
        return "pred"
    return "tok"


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], depth: int = 0):
        self.toks = tokens
        self.i = 0
        self.depth = depth

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node:
        node = self.alternation()
        if self.peek() is not None:
            raise PatternError(Message(gettext_noop("unexpected {text!r}"), text=self.peek()[1]))
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.peek() and self.peek()[0] == "bar":
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else _alt(branches)

    def sequence(self) -> Node:
        items: list[Node] = []
        while True:
            p = self.peek()
            if p is None or p[0] in ("bar", "rparen"):
                break
            items.append(self.item())
        if not items:
            raise PatternError(Message(gettext_noop("empty sequence (check for '()' or a stray '|')")))
        return items[0] if len(items) == 1 else _seq(items)

    def item(self) -> Node:
        kind, val = self.toks[self.i]
        self.i += 1
        if kind == "lparen":
            inner = self.alternation()
            if not self.peek() or self.peek()[0] != "rparen":
                raise PatternError(Message(gettext_noop("missing ')'")))
            self.i += 1
            node = _not_ahead(inner) if val.startswith("!") else inner
        elif kind == "gap":
            node = _gap(int(val[2:]) if len(val) > 2 else DEFAULT_GAP)
        elif kind == "anchor":
            node = _start() if val == "^" else _end()
        elif kind == "pred":
            node = _predicate(val[1:], self.depth)
        elif kind == "tok":
            node = _token(val)
        else:
            raise PatternError(Message(gettext_noop("unexpected {text!r}"), text=val))
        p = self.peek()
        if p and p[0] == "quant":
            self.i += 1
            node = _quantify(node, p[1])
        return node


def compile_pattern(source: str) -> CompiledPattern:
    """Compile a rule pattern; raises PatternError with a readable message."""
    if not source or not source.strip():
        raise PatternError(Message(gettext_noop("pattern is empty")))
    parts = [p.strip() for p in source.split(";")]
    main = _compile_seq(parts[0])
    clauses = []
    for part in parts[1:]:
        if not part:
            continue
        words = part.split(None, 2)
        if len(words) < 3 or words[0] not in ("unless", "if") or words[1] not in ("after", "before", "sent", "utt"):
            raise PatternError(
                Message(
                    gettext_noop("clause {clause!r} must read 'unless|if after|before|sent|utt <pattern>'"), clause=part
                )
            )
        clauses.append(Clause(words[0] == "unless", words[1], _compile_seq(words[2])))
    return CompiledPattern(source, main, clauses)


def _compile_seq(src: str, depth: int = 0) -> Node:
    return _Parser(_lex(src), depth).parse()


# ---------------------------------------------------------------- node builders


def _token(spec: str) -> Node:
    negate = spec.startswith("!") and len(spec) > 1
    if negate:
        spec = spec[1:]
    form_part, slash, tag_part = spec.rpartition("/") if "/" in spec else (spec, "", "")
    if not slash:
        form_part, tag_part = spec, ""
    regex = None
    forms: frozenset[str] | None = None
    if form_part.startswith("~"):
        try:
            regex = re.compile(form_part[1:])
        except re.error as e:
            raise PatternError(
                Message(gettext_noop("bad regex in {spec!r}: {error}"), spec=spec, error=str(e))
            ) from None
    elif form_part not in ("", "*"):
        ending_only = bool(tag_part) and all(t.startswith("E") for t in tag_part.split(","))
        forms = frozenset(normalize_form(f, "EF" if ending_only else "") for f in form_part.split(","))
        if "" in forms:
            raise PatternError(Message(gettext_noop("empty form in {spec!r}"), spec=spec))
    tags: frozenset[str] | None = None
    prefixes: tuple[str, ...] = ()
    if tag_part not in ("", "*"):
        exact = set()
        for t in tag_part.split(","):
            if not re.fullmatch(r"[A-Z][A-Z_]{0,9}\*?", t):
                raise PatternError(
                    Message(
                        gettext_noop("bad tag {tag!r} in {spec!r} (tags look like NNG, VV, EF, V*)"), tag=t, spec=spec
                    )
                )
            if t.endswith("*"):
                prefixes += (t[:-1],)
            else:
                exact.add(t)
        tags = frozenset(exact)
    if forms is None and regex is None and tags is None and not prefixes and not negate:
        if form_part == "" and tag_part == "":
            raise PatternError(Message(gettext_noop("empty token {spec!r}"), spec=spec))

    def ok(form: str, tag: str) -> bool:
        if forms is not None and form not in forms:
            return False
        if regex is not None and not regex.search(form):
            return False
        if tags is not None or prefixes:
            if not ((tags is not None and tag in tags) or any(tag.startswith(p) for p in prefixes)):
                return False
        return True

    if negate:
        # zero-width: the next token (if any) is not this one
        def neg(sent: Sentence, i: int) -> Iterator[int]:
            toks = sent.toks
            if i >= len(toks) or not ok(toks[i].form, toks[i].tag):
                yield i

        return Node(neg, (), 0, frozenset_pair(), True)

    def m(sent: Sentence, i: int) -> Iterator[int]:
        toks = sent.toks
        if i < len(toks):
            t = toks[i]
            if ok(t.form, t.tag):
                yield i + 1

    keys: Keys = ()
    first: First = None
    if forms is not None:
        keys = (frozenset("f:" + f for f in forms),)
        first = (forms, frozenset())
    elif tags is not None and not prefixes:
        keys = (frozenset("t:" + t for t in tags),)
        first = (frozenset(), tags)
    return Node(m, keys, 1, first)


def frozenset_pair() -> tuple[frozenset[str], frozenset[str]]:
    return (frozenset(), frozenset())


def _union_first(nodes: list[Node]) -> First:
    forms: set[str] = set()
    tags: set[str] = set()
    for n in nodes:
        if n.first is None:
            return None
        forms |= n.first[0]
        tags |= n.first[1]
    return (frozenset(forms), frozenset(tags))


def _seq(items: list[Node]) -> Node:
    def chain(k: int) -> Matcher:
        node = items[k]
        if k == len(items) - 1:
            return node.match
        rest = chain(k + 1)

        def m(sent: Sentence, i: int) -> Iterator[int]:
            for j in node.match(sent, i):
                yield from rest(sent, j)

        return m

    keys: Keys = tuple(k for n in items if n.min_len > 0 for k in n.keys)
    # the first consuming item decides where a match can start; zero-width and optional items
    # before it add their own starts
    lead: list[Node] = []
    for n in items:
        lead.append(n)
        if n.min_len > 0:
            break
    else:
        lead = []  # the whole sequence can match empty: no start filter
    first = _union_first(lead) if lead else None
    starts = lead[0].starts if len(lead) == 1 else None
    return Node(chain(0), keys, sum(n.min_len for n in items), first, all(n.zero for n in items), starts)


def _alt(branches: list[Node]) -> Node:
    def m(sent: Sentence, i: int) -> Iterator[int]:
        for b in branches:
            yield from b.match(sent, i)

    # one clause: each branch must bring one of its own (the most selective) keys
    keys: Keys = ()
    if all(b.keys and b.min_len > 0 for b in branches):
        keys = (frozenset().union(*(min(b.keys, key=_key_cost) for b in branches)),)
    min_len = min(b.min_len for b in branches)
    first = _union_first(branches) if min_len > 0 else None
    starts = None
    if min_len > 0 and all(b.starts is not None for b in branches):
        branch_starts = [b.starts for b in branches]

        def starts(sent: Sentence) -> list[int]:
            return sorted({i for find in branch_starts for i in find(sent)})

    return Node(m, keys, min_len, first, all(b.zero for b in branches), starts)


def _key_cost(clause: frozenset[str]) -> tuple[bool, int]:
    # form keys are far more selective than tags and predicates
    return (not all(k.startswith("f:") for k in clause), len(clause))


def _quantify(node: Node, q: str) -> Node:
    if q == "?":
        lo, hi = 0, 1
    elif q == "*":
        lo, hi = 0, 8
    elif q == "+":
        lo, hi = 1, 8
    else:
        nums = q[1:-1].split(",")
        lo = int(nums[0])
        hi = lo if len(nums) == 1 else (int(nums[1]) if nums[1] else 8)
        if hi < lo:
            raise PatternError(Message(gettext_noop("bad quantifier {quantifier}"), quantifier=q))

    def rep(sent: Sentence, i: int, count: int) -> Iterator[int]:
        # greedy: longer repetitions first, then fall back
        if count < hi:
            for j in node.match(sent, i):
                if j > i:
                    yield from rep(sent, j, count + 1)
        if count >= lo:
            yield i

    def m(sent: Sentence, i: int) -> Iterator[int]:
        return rep(sent, i, 0)

    return Node(m, node.keys if lo > 0 else (), node.min_len * lo, node.first if lo > 0 else None, node.zero)


def _gap(n: int) -> Node:
    def m(sent: Sentence, i: int) -> Iterator[int]:
        last = min(len(sent.toks), i + n)
        return iter(range(i, last + 1))

    return Node(m, (), 0, None)


def _start() -> Node:
    def m(sent: Sentence, i: int) -> Iterator[int]:
        if all(t.tag in _FILLER_TAGS for t in sent.toks[:i]):
            yield i

    return Node(m, (), 0, frozenset_pair(), True)


def _end() -> Node:
    def m(sent: Sentence, i: int) -> Iterator[int]:
        if all(t.tag in _FILLER_TAGS for t in sent.toks[i:]):
            yield i

    return Node(m, (), 0, frozenset_pair(), True)


def _not_ahead(inner: Node) -> Node:
    def m(sent: Sentence, i: int) -> Iterator[int]:
        for _ in inner.match(sent, i):
            return
        yield i

    return Node(m, (), 0, frozenset_pair(), True)


_MACRO_CACHE: dict[str, Node] = {}


def _predicate(spec: str, depth: int) -> Node:
    name, _, arg = spec.partition("(")
    arg = arg.rstrip(")")
    if name in MACROS:
        if depth > 5:
            raise PatternError(Message(gettext_noop("@{name}: macros nest too deeply"), name=name))
        if name not in _MACRO_CACHE:
            _MACRO_CACHE[name] = _compile_seq(MACROS[name], depth + 1)
        return _MACRO_CACHE[name]
    if name == "lex" or name == "profane":
        from . import lexicon

        lex_name = arg or "profane"
        if lex_name not in lexicon.LEXICONS:
            raise PatternError(
                Message(
                    gettext_noop("@lex({name}): no such lexicon (have {known})"),
                    name=lex_name,
                    known=", ".join(sorted(lexicon.LEXICONS)),
                )
            )
        key = "lex:" + lex_name
        PREDICATE_PRESENT.setdefault(key, _present_lex(lex_name))
        return Node(_lexicon_pred(lex_name), (frozenset({"p:" + key}),), 1, None, starts=_lexicon_starts(lex_name))
    if name in PREDICATES:
        fn, min_len = PREDICATES[name]
        first = PREDICATE_FIRST.get(name)
        return Node(fn, (frozenset({"p:" + name}),), min_len, first, min_len == 0)
    known = sorted(set(PREDICATES) | set(MACROS) | {"lex", "profane"})
    raise PatternError(
        Message(
            gettext_noop("unknown predicate @{name} (known: {known})"),
            name=name,
            known=", ".join("@" + k for k in known),
        )
    )
