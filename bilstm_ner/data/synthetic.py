"""The bundled corpus: deterministic, tweet-like sentences with BIO tags, made up for this course.

Every name, template and word below was written for this project; nothing comes from a real
data set, so the corpus can ship with the package and the course runs with no network.

The tags use WNUT-16's type names (`person`, `geo-loc`, `company`, `product`, `sportsteam`).
Tweets mix context cues ("flying to X", "X said", "just bought a new X") with tweets that give no
cue at all, ambiguous words ("apple", "jordan", "paris", "target" are entities in some tweets and
plain words in others), multi-token names, casing noise, hashtags, and raw `@user` mentions and
`http(s)://` links. About a third of the tweets hold no entity.

Validation and test draw about 45% of their entity mentions from names that never occur in the
training split, so a tagger has to read the context rather than memorise names.

The tokens are RAW: `load_corpus` applies `conll.normalize_token` to them exactly once, just as
`read_conll` does for the downloaded corpora. Only `random.Random(seed)` drives the choices (no
set iteration, no `hash()`), so a seed gives the same corpus on every machine and Python version.
"""

from __future__ import annotations

import random

SPLIT_SIZES = {"train": 5000, "validation": 700, "test": 700}
HELDOUT_SHARE = 0.45  # share of validation/test entity mentions drawn from names unseen in train
ENTITY_FREE_SHARE = 0.35


def _words(text: str) -> tuple[str, ...]:
    """The words of a space-separated list, in order."""
    return tuple(text.split())


_FIRST = _words(
    "john maria james sarah michael emma david laura chris anna kevin lisa tom nina alex "
    "rachel daniel olivia mark sofia ryan julia peter grace jordan paris chelsea george"
)
_LAST = _words(
    "smith garcia brown lee wilson clark lopez young hall allen king wright scott green baker "
    "adams nelson hill campbell mitchell roberts carter phillips evans turner parker collins "
    "washington"
)
_FIRST_NEW = _words(
    "marcus ingrid tobias yuki priya diego hannah omar leila felix zara ivan chloé rafael"
)
_LAST_NEW = _words(
    "okafor lindqvist moreau tanaka novak haddad silva kowalski dubois nakamura petrov müller"
)

_NAMES = {
    "geo-loc": (
        "london|paris|new york|chicago|texas|boston|miami|seattle|los angeles|san francisco|canada"
        "|mexico|japan|florida|atlanta|dallas|jordan|denver|toronto|berlin|madrid|rome|dublin"
        "|sydney|brooklyn|california|washington|las vegas|new jersey|amazon",
        "lisbon|oslo|nairobi|lima|kyoto|austin|portland|new orleans|cape town|buenos aires|manila"
        "|helsinki|quebec|ohio|nevada|são paulo|zürich|montréal|bogotá|hong kong",
    ),
    "company": (
        "apple|google|microsoft|amazon|netflix|starbucks|walmart|twitter|facebook|nike|target"
        "|sony|samsung|verizon|mcdonalds|disney|uber|ibm|intel|coca cola|burger king",
        "spotify|tesla|adidas|nintendo|costco|airbnb|paypal|oracle|nokia|hulu|lyft|reddit"
        "|taco bell|dunkin donuts",
    ),
    "product": (
        "iphone|ipad|xbox|playstation|macbook|galaxy s7|kindle|apple watch|jordans|windows 10"
        "|call of duty|minecraft|iphone 7|xbox one|ps4|snapchat|instagram|android",
        "pixel|nintendo switch|surface pro|fitbit|gopro|oculus rift|echo dot|zelda|fortnite"
        "|chromebook|pokemon go|galaxy note",
    ),
    "sportsteam": (
        "lakers|yankees|patriots|cowboys|chelsea|arsenal|red sox|warriors|bulls|cubs|man utd"
        "|barcelona|giants|heat",
        "celtics|packers|dodgers|liverpool|steelers|raiders|knicks|real madrid|spurs|mets",
    ),
}

# Templates: "{type}" is an entity slot, "{w}" a filler word, "{any}" an entity of any type.
_CUED = {
    "person": [
        "{person} said {w} {w}",
        "talked to {person} today {w}",
        "happy birthday {person} ! {w}",
        "{person} just followed me {w}",
        "me and {person} {w} {w} tonight",
        "shoutout to {person} for the {w}",
        "{person} is my {w} hero",
        "can't believe {person} posted that",
        "hanging out with {person} and {person}",
        "rip {person} {w}",
    ],
    "geo-loc": [
        "flying to {geo-loc} {w}",
        "just landed in {geo-loc} !",
        "weather in {geo-loc} is {w} {w}",
        "moving to {geo-loc} next {w}",
        "{w} traffic in {geo-loc} again",
        "greetings from {geo-loc} {w}",
        "road trip from {geo-loc} to {geo-loc}",
        "live in {geo-loc} tonight {w}",
        "back home in {geo-loc} {w}",
    ],
    "company": [
        "{company} stock is up {w}",
        "{company} announced a new {w}",
        "i work at {company} {w}",
        "{company} customer service is {w}",
        "applied for a job at {company}",
        "{company} just bought {company} ?",
        "the {company} store was {w} {w}",
        "{company} ceo says {w} {w}",
    ],
    "product": [
        "just bought a new {product} {w}",
        "my {product} broke again {w}",
        "playing {product} all night {w}",
        "the new {product} looks {w}",
        "who wants my old {product} ?",
        "{product} update is {w} {w}",
        "finally got the {product} !",
        "downloading {product} on my {product}",
    ],
    "sportsteam": [
        "{sportsteam} won again {w}",
        "go {sportsteam} ! {w}",
        "{sportsteam} vs {sportsteam} tonight",
        "the {sportsteam} need a new coach",
        "{sportsteam} fans are {w} {w}",
        "watching the {sportsteam} game {w}",
        "{sportsteam} lost {w} {w} smh",
    ],
}
_UNCUED = [  # any entity type fits: only the name itself (or nothing) says what it is
    "{any} {w} {w}",
    "omg {any} {w}",
    "{w} {any} is the best",
    "can't stop thinking about {any}",
    "{any} is trending {w}",
    "so much love for {any} {w}",
    "i {w} {any} and {any}",
    "lol {any} {w}",
    "{w} {w} {any} {w}",
]
_PLAIN = [  # no entity; the ambiguous words appear here as ordinary words
    "{w} {w} {w} {w}",
    "i {w} {w} this {w}",
    "ate an apple pie {w} {w}",
    "the windows are {w} {w}",
    "hit the target {w} {w}",
    "orange juice and {w} {w}",
    "{w} day {w} {w} lol",
    "why is everyone so {w}",
    "need coffee {w} {w}",
    "good morning {w} {w}",
    "this {w} is {w} {w}",
    "an apple a day {w} {w}",
    "no more {w} for me",
    "{w} {w} {w} !!!",
]
_WORDS = _words(
    "lol omg so really today tonight tomorrow u ur gonna wanna lmao smh idk haha yes no why love "
    "hate great awesome best worst ever day night week time this that new old happy sad tired "
    "crazy funny cool amazing bad good nice fun weird literally honestly finally again always "
    "never still just like want need know think see go get got make home work school party game "
    "music movie show food pizza coffee friends family people guys girl boy life world summer "
    "winter rain sun weekend monday friday morning café naïve jalapeño über fiancé piñata"
)
_HASHTAGS = _words("tbt mood blessed nofilter tgif fail win love goals ootd mondays summer")


def _entity(rng: random.Random, kind: str, heldout: bool) -> str:
    """One entity name of `kind`, from the held-out pool when `heldout`, else the train pool."""
    if kind == "person":
        first = _FIRST_NEW if heldout else _FIRST
        last = _LAST_NEW if heldout else _LAST
        form = rng.randrange(4)
        if form == 0:
            return rng.choice(first)
        if form == 1:
            return rng.choice(last)
        return f"{rng.choice(first)} {rng.choice(last)}"
    return rng.choice(_NAMES[kind][1 if heldout else 0].split("|"))


def _token(rng: random.Random) -> str:
    """A raw filler token: mostly words, sometimes a mention, a hashtag or a link."""
    roll = rng.randrange(100)
    if roll < 4:
        return "@" + rng.choice(_WORDS) + str(rng.randrange(1000))
    if roll < 7:
        return "#" + rng.choice(_HASHTAGS)
    if roll < 9:
        return rng.choice(("http://t.co/", "https://bit.ly/")) + _code(rng)
    return rng.choice(_WORDS)


def _code(rng: random.Random) -> str:
    """A short random alphanumeric string, like a link shortener's path."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(8))


def _case(rng: random.Random, tokens: list[str], tags: list[str]) -> list[str]:
    """Casing noise: 60% all lower case, 35% capitalised names and/or first word, 5% shouting."""
    mode = rng.randrange(20)
    if mode < 12:
        return tokens
    if mode == 19:
        return [t if t[:1] in "@#" or t.startswith("http") else t.upper() for t in tokens]
    capitalise_names = mode < 17
    cased = [
        t.capitalize() if g != "O" and capitalise_names else t
        for t, g in zip(tokens, tags, strict=True)
    ]
    if mode >= 15 and cased[0][:1].isalpha():
        cased[0] = cased[0].capitalize()
    return cased


def _entity_template(rng: random.Random) -> str:
    """A clause with at least one entity slot: usually with a context cue, sometimes without."""
    if rng.randrange(4) == 0:
        return rng.choice(_UNCUED)
    return rng.choice(_CUED[rng.choice(sorted(_CUED))])


def _clauses(rng: random.Random) -> list[str]:
    """The templates one tweet is made of (entity-free for about a third of the tweets)."""
    if rng.random() < ENTITY_FREE_SHARE:
        return [rng.choice(_PLAIN) for _ in range(1 + rng.randrange(2))]
    clauses = [_entity_template(rng)]
    roll = rng.randrange(10)
    if roll < 3:
        clauses.append(rng.choice(_PLAIN))
    elif roll < 5:
        clauses.append(_entity_template(rng))
    rng.shuffle(clauses)
    return clauses


def _tweet(rng: random.Random, heldout_share: float) -> tuple[list[str], list[str]]:
    """One raw tweet and its BIO tags."""
    tokens: list[str] = []
    tags: list[str] = []
    if rng.randrange(5) == 0:
        tokens += ["rt", "@" + rng.choice(_WORDS) + str(rng.randrange(100)), ":"]
        tags += ["O", "O", "O"]
    for number, template in enumerate(_clauses(rng)):
        if number:
            tokens.append(rng.choice((".", "and", "but", "...", "!", "so")))
            tags.append("O")
        any_kind = rng.choice(sorted(_CUED))
        for piece in template.split():
            if piece == "{w}":
                tokens.append(_token(rng))
                tags.append("O")
            elif piece.startswith("{"):
                kind = any_kind if piece == "{any}" else piece[1:-1]
                name = _entity(rng, kind, rng.random() < heldout_share).split()
                tokens += name
                tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
            else:
                tokens.append(piece)
                tags.append("O")
    for _ in range(rng.randrange(5)):
        tokens.append(_token(rng))
        tags.append("O")
    return _case(rng, tokens, tags), tags


def generate_corpus(seed: int = 0) -> dict[str, tuple[list[list[str]], list[list[str]]]]:
    """The bundled corpus as {"train"|"validation"|"test": (tokens, tags)}, RAW (not normalised).

    tokens and tags are lists (one per tweet) of equally long lists of str; tags are BIO with
    WNUT-16 type names. The same seed gives the same corpus everywhere.
    """
    rng = random.Random(seed)
    corpus = {}
    for split, size in SPLIT_SIZES.items():
        heldout_share = 0.0 if split == "train" else HELDOUT_SHARE
        tweets = [_tweet(rng, heldout_share) for _ in range(size)]
        corpus[split] = ([t for t, _ in tweets], [g for _, g in tweets])
    return corpus
