"""Features for the learned tone classifier, built from the analyser's own Kiwi pass.

Everything here reads the `Utterance` the rules already built, so the model costs no second
tokenisation. A line becomes a list of feature strings:

- `m:` morphemes (normalised form/coarse tag) and `b:` morpheme bigrams — the words and grammar;
- `c:` character 3–4-grams of the text with spaces and punctuation removed, so an ASR spacing
  slip ("안되는거예요" vs "안 되는 거예요") or a misspelling still shares most features;
- `e:` how each sentence ends (last ending, last two morphemes), `lv:` the speech level
  (banmal/polite/mixed, from speech_level), `q` a question, `lex:` swear/insult lexicon hits;
- `r:` the categories (and codes) of the rules that fired, so the rulebook feeds the model and
  a trainer's new rule counts through its category even before a retrain;
- `x:` the other party's previous turn (morphemes, question, speech level): "잘 모르겠습니다"
  reads differently after "환불 언제 돼요?" than after "이거 무슨 뜻이에요?";
- `w:` / `wb:` the words (eojeol) as written and word bigrams, for set phrases the morphemes split.

Feature strings are hashed (CRC-32, tone.model.feature_index) into a fixed-width space, so the
model needs no vocabulary and a feature never seen in training simply has weight zero.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import lexicon, speech_level
from .morph import Sentence, Utterance

N_FEATURES = 2**18
CHAR_NGRAMS = (3, 4)

# Tags whose morphemes carry little: punctuation, symbols, foreign, numbers.
_SKIP_TAGS = frozenset({"SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "SH", "SL", "SN", "SB", "UN", "W_SERIAL"})
# The punctuation written text and Whisper use; the analyser trims spans by it too.
PUNCTUATION = ".,?!…~·:;'\"‘’“”()[]「」『』"
_WORD_PUNCT = str.maketrans({c: " " for c in PUNCTUATION})
CHAR_DROP = str.maketrans("", "", " \t\n" + PUNCTUATION + "-_/")


def coarse_tag(tag: str) -> str:
    """NNG/NNP → N, VV/VA/VX → V, EF stays EF: enough grammar, fewer rare features."""
    if tag.startswith("NN"):
        return "N"
    if tag in ("VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA"):
        return "V" if tag[0] == "V" else tag
    return tag


_TOKEN_NAMES: dict[tuple[str, str], str] = {}


def _token_name(form: str, tag: str) -> str:
    name = f"{form}/{coarse_tag(tag)}"
    if len(_TOKEN_NAMES) < 200_000:
        _TOKEN_NAMES[form, tag] = name
    return name


def _sent_tokens(sent: Sentence) -> list[str]:
    names = _TOKEN_NAMES
    return [names.get((t.form, t.tag)) or _token_name(t.form, t.tag) for t in sent.toks if t.tag not in _SKIP_TAGS]


def _ending(sent: Sentence) -> list[str]:
    toks = [t for t in sent.toks if t.tag not in _SKIP_TAGS]
    if not toks:
        return []
    out = [f"e1:{toks[-1].form}/{toks[-1].tag}"]
    if len(toks) > 1:
        out.append(f"e2:{toks[-2].form}/{toks[-2].tag}+{toks[-1].form}")
    ef = [t for t in toks if t.tag == "EF"]
    if ef:
        out.append(f"ef:{ef[-1].form}")
    return out


def _level(utt: Utterance) -> tuple[bool, bool]:
    banmal = any(speech_level.banmal_positions(s) for s in utt.sents)
    polite = any(speech_level.polite_positions(s) for s in utt.sents)
    return banmal, polite


def line_features(
    utt: Utterance,
    speaker: str,
    rule_hits: Iterable[tuple[str, str]] = (),
    context: Utterance | None = None,
) -> list[str]:
    """The feature strings of one line; `rule_hits` are (category, rule code) pairs."""
    feats: list[str] = [f"spk:{speaker}", "bias"]
    for sent in utt.sents:
        toks = _sent_tokens(sent)
        feats += ["m:" + t for t in toks]
        feats += [f"b:{a}|{b}" for a, b in zip(toks, toks[1:], strict=False)]
        if toks:
            feats.append("b:^|" + toks[0])
            feats.append(f"b:{toks[-1]}|$")
        feats.extend(_ending(sent))
        if speech_level.is_question(sent):
            feats.append("q")
    banmal, polite = _level(utt)
    feats.append("lv:" + ("mixed" if banmal and polite else "banmal" if banmal else "polite" if polite else "none"))
    words = utt.text.translate(_WORD_PUNCT).split()
    feats += ["w:" + w for w in words]
    feats += [f"wb:{a}|{b}" for a, b in zip(words, words[1:], strict=False)]
    compact = utt.text.translate(CHAR_DROP)
    for n in CHAR_NGRAMS:
        feats += ["c:" + compact[i : i + n] for i in range(len(compact) - n + 1)]
    for name in ("swear", "insult", "slur"):
        if lexicon.utterance_spans(utt, name):
            feats.append("lex:" + name)
    for category, code in rule_hits:
        feats.append("r:" + category)
        feats.append("rc:" + code)
    n_sents = len(utt.sents)
    feats.append("len:" + ("1" if n_sents <= 1 else "2" if n_sents == 2 else "3+"))
    if context is not None and context.text.strip():
        feats.append("x:any")
        for sent in context.sents:
            feats += ["x:m:" + t for t in _sent_tokens(sent)]
            if speech_level.is_question(sent):
                feats.append("x:q")
        c_banmal, c_polite = _level(context)
        if c_banmal:
            feats.append("x:lv:banmal")
    return feats
