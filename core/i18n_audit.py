"""The translation guard (issue 16): find user-facing text that is not marked for
translation, and catalogues that miss a translation.

Two scanners, both pure functions of source text, so tests feed them snippets:

- :func:`unmarked_in_template` reads a Django template the way its lexer does. Text
  between tags, and the attributes a reader sees (``title``, ``placeholder``,
  ``aria-label``, ``alt``, a button's ``value``), must carry no words outside
  ``{% translate %}`` / ``{% blocktranslate %}``. Script and style bodies, comments
  and ``{% verbatim %}`` are skipped.
- :func:`unmarked_in_python` walks a module's syntax tree. A string literal that is
  the message of ``messages.<level>(...)``, of ``ValidationError`` or of a domain error
  (any ``…Error`` class the project defines from ``DomainError``), or the ``label``,
  ``help_text``, ``verbose_name``, ``verbose_name_plural``, ``empty_label`` or
  ``placeholder`` of a field, or the label of a ``TextChoices`` member, must be wrapped
  in ``gettext`` (``_``), ``gettext_lazy``, ``pgettext`` or ``ngettext``.

:func:`catalogue_problems` compares the committed ``.po`` files with the messages
``makemessages`` extracts now: every message is present, translated and not fuzzy.

``scripts/check_translations.py`` runs all of them; ``tests/test_i18n.py`` runs it in
``make test``. Each finding is a ``str`` of the form ``"path:line: what"``.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

#: Words that read the same in every language of the catalogues: the brand, file formats
#: and codes printed as they are. Text made only of these (and digits, symbols) passes.
UNIVERSAL_WORDS = frozenset({
    "Khata", "CSV", "XLSX", "PDF", "QR", "GSTIN", "GST", "UPI", "HSN", "SAC", "SKU", "IGST", "CGST", "SGST",
    "CESS", "API", "ID", "OK", "WhatsApp", "SMS", "PIN", "KRA", "BIN", "VAT", "SD", "eTIMS", "M-Pesa", "bKash",
    "Nagad", "Mushak", "UQC", "MRP", "B2B", "B2C", "GSTR", "3B", "FY", "JSON", "URL", "vs", "x", "UTGST",
})
#: Attributes whose value a reader sees or hears.
VISIBLE_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "aria-description", "data-confirm"})
_CSS_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")  # "doc-a4": a class name a block fills in
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_MARK = "\ue000"  # a private-use character: HTMLParser keeps it inside tag names and values


def _has_words(text: str) -> bool:
    """Whether ``text`` (template tags already replaced by a marker) holds a word a
    translator must see: letters other than the universal words."""
    for part in text.split(_MARK):
        for word in _WORD.findall(part):
            word = word.strip(".'’-")
            if len(word) > 1 and word not in UNIVERSAL_WORDS and not _CSS_NAME.fullmatch(word):
                return True
    return False


def _template_text(source: str) -> tuple[str, list[int]]:
    """``source`` with every template tag, variable and comment replaced by one marker
    character and the text of translate blocks, comments and verbatim blocks dropped;
    and, for each character kept, its line in ``source``."""
    out: list[str] = []
    lines: list[int] = []
    skip_until = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skip_until:
                if name == skip_until:
                    skip_until = None
                continue
            if name in ("blocktranslate", "blocktrans"):
                skip_until = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
            elif name == "comment":
                skip_until = "endcomment"
            elif name == "verbatim":
                skip_until = "endverbatim"
            out.append(_MARK)
            lines.append(token.lineno)
        elif skip_until:
            continue
        elif token.token_type == TokenType.TEXT:
            line = token.lineno
            for char in token.contents:
                out.append(char)
                lines.append(line)
                if char == "\n":
                    line += 1
        else:
            out.append(_MARK)
            lines.append(token.lineno)
    return "".join(out), lines


class _TextFinder(HTMLParser):
    """Collects (offset, text) for data and visible attributes that hold words."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self._skip_depth = 0
        self._line_offsets = [0]

    def feed_text(self, text: str):
        offset = 0
        for line in text.splitlines(keepends=True):
            offset += len(line)
            self._line_offsets.append(offset)
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_offsets[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input"
                and (attributes.get("type") or "").lower() in ("submit", "button", "reset"))
            if visible and value and _has_words(value):
                self.found.append((self._offset(), f'<{tag} {name}="{value.replace(_MARK, "…")}">'))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data):
        if not self._skip_depth and _has_words(data):
            lead = len(data) - len(data.lstrip())  # report the line the words start on
            self.found.append((self._offset() + lead, " ".join(data.replace(_MARK, "…").split())))


def unmarked_in_template(source: str, name: str = "template") -> list[str]:
    """Findings ``"name:line: text"`` for each run of words in ``source`` that a reader
    would see untranslated."""
    text, lines = _template_text(source)
    finder = _TextFinder()
    finder.feed_text(text)
    return [f"{name}:{lines[min(offset, len(lines) - 1)] if lines else 1}: {what}" for offset, what in finder.found]


_MARKERS = frozenset({"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
                      "npgettext", "npgettext_lazy", "format_lazy"})
_TEXT_KEYWORDS = frozenset({"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "placeholder"})
_MESSAGE_LEVELS = frozenset({"success", "error", "warning", "info", "debug", "add_message"})


def _name_of(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal_with_words(node) -> bool:
    """A plain string literal, an f-string or a ``"…" % …`` / ``"…".format()`` built on
    one, holding words (a marked string is a call, so it is not a literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _has_words(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_literal_with_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _literal_with_words(node.left) or (isinstance(node.op, ast.Add) and _literal_with_words(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal_with_words(node.func.value)
    return False


def _is_identifier(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"[a-z][a-z0-9_]*", node.value) is not None)


def _error_classes(trees) -> set[str]:
    """Names of the classes that derive, directly or not, from ``DomainError``."""
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name_of(b) for b in node.bases)
    errors = {"DomainError", "ValidationError"}
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in errors and parents & errors:
                errors.add(name)
                changed = True
    return errors


def unmarked_in_python(source: str, name: str = "module", error_classes=frozenset({"ValidationError"})) -> list[str]:
    """Findings ``"name:line: text"`` for each user-facing string literal in ``source``
    that is not wrapped in a gettext function. ``error_classes`` are the exception
    names whose message a user reads."""
    tree = ast.parse(source)
    found = []

    def report(node):
        text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
        found.append(f"{name}:{node.lineno}: {text[:90]!r}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = _name_of(node.func)
            is_message = (isinstance(node.func, ast.Attribute) and _name_of(node.func.value) == "messages"
                          and func in _MESSAGE_LEVELS)
            if is_message or func in error_classes:
                args = node.args[2:3] if func == "add_message" else (
                    node.args[1:2] if is_message else node.args[:1])
                args += [kw.value for kw in node.keywords if kw.arg in ("message",)]
                for arg in args:
                    if _literal_with_words(arg):
                        report(arg)
            for keyword in node.keywords:
                if _is_identifier(keyword.value):
                    continue  # a field path such as label="customer__name", not text
                if keyword.arg in _TEXT_KEYWORDS and _literal_with_words(keyword.value):
                    report(keyword.value)
        elif isinstance(node, ast.ClassDef) and any(_name_of(b) in ("TextChoices", "IntegerChoices")
                                                    for b in node.bases):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    label = statement.value.elts[-1]
                    if len(statement.value.elts) > 1 and _literal_with_words(label):
                        report(label)
    return found


#: Folders whose Python and templates a shopkeeper reads. The API speaks to developers
#: in English (its problem details name fields), migrations replay history.
APPS = ("accounts", "core", "customers", "ledger", "billing", "reports", "messaging")
SKIP_PARTS = frozenset({"migrations", "tests", "__pycache__"})
#: The API's texts are for developers and stay English, except the shop settings' API tokens
#: page, which the shopkeeper uses: its view and form are scanned like the apps.
SHOPKEEPER_API_FILES = ("api/views/tokens.py", "api/forms.py")


def python_files(root: Path):
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if not SKIP_PARTS & set(path.relative_to(root).parts):
                yield path
    for name in SHOPKEEPER_API_FILES:
        yield root / name


def template_files(root: Path):
    for path in sorted((root / "templates").rglob("*.html")):
        yield path
    for path in sorted((root / "templates").rglob("*.txt")):
        yield path


def unmarked(root: Path) -> list[str]:
    """Every finding of both scanners under ``root`` (the project's folder)."""
    findings = []
    sources = {path: path.read_text(encoding="utf-8") for path in python_files(root)}
    trees = [ast.parse(text) for text in sources.values()]
    errors = _error_classes(trees) - {"ChangeTooLargeError"}
    for path, text in sources.items():
        findings += unmarked_in_python(text, str(path.relative_to(root)), errors)
    for path in template_files(root):
        findings += unmarked_in_template(path.read_text(encoding="utf-8"), str(path.relative_to(root)))
    return findings



#: The catalogues' languages (every one of ``settings.LANGUAGES`` but the English source).
def catalogue_languages() -> list[str]:
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


#: Gettext domains: Python and templates (``django``), and ``static/js`` (``djangojs``).
DOMAINS = ("django", "djangojs")
#: What ``makemessages`` reads, besides the apps: the templates, the settings, the scripts.
EXTRACT_FROM = (*APPS, "templates", "config", "static")
# Not "api/*": makemessages would then skip every folder named api, templates/api/ included.
MAKEMESSAGES_IGNORE = ("api/serializers/*", "api/authentication.py", "api/pagination.py", "api/permissions.py",
                       "static/bootstrap*", "*/migrations/*", "*/tests/*", "*.min.js", "staticfiles/*",
                       "tests/*", "bench/*", "scripts/*", "docs/*", "test-artifacts/*", "node_modules/*")


def make_messages(root: Path, target: Path | None = None) -> Path:
    """Run ``makemessages`` for every catalogue language and domain, reading the sources
    under ``root``. With ``target`` (a scratch folder) the sources are copied there first
    and the catalogues written under ``target/locale``, so ``root`` is left untouched;
    returns the ``locale`` folder written. Raises ``subprocess.CalledProcessError`` when
    gettext's tools fail (stderr says why), ``FileNotFoundError`` without them."""
    import os
    import shutil
    import subprocess
    import sys

    work = root
    if target is not None:
        for name in (*EXTRACT_FROM, "api", "locale"):  # api: an installed app, not extracted
            if (root / name).exists():
                shutil.copytree(root / name, target / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
        shutil.copy2(root / "manage.py", target / "manage.py")
        work = target
    (work / "locale").mkdir(exist_ok=True)
    languages = [arg for code in catalogue_languages() for arg in ("-l", code)]
    ignores = [arg for pattern in MAKEMESSAGES_IGNORE for arg in ("--ignore", pattern)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
           "DEBUG": "true"}
    for domain, extra in (("django", ["--extension", "html,txt,py"]), ("djangojs", [])):
        subprocess.run(  # noqa: S603 (a fixed command: this interpreter and manage.py)
            [sys.executable, "manage.py", "makemessages", "--domain", domain, *languages, *ignores, *extra,
             "--no-wrap", "--add-location", "file", "--no-obsolete", "--verbosity", "0"],
            cwd=work, env=env, check=True, capture_output=True, text=True)
    return work / "locale"


def _catalogue(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def _key(message) -> tuple:
    return (message.context or "", message.id if isinstance(message.id, str) else message.id[0])


def catalogue_problems(root: Path, fresh: Path | None = None) -> list[str]:
    """Findings for the committed catalogues under ``root/locale``: a message the sources
    have and the catalogue lacks (or the reverse), an empty or fuzzy translation, a file
    ``msgfmt --check`` refuses, and a compiled ``.mo`` that is not the ``.po`` compiled.
    ``fresh`` is a ``locale`` folder :func:`make_messages` wrote; without it one is made
    in a scratch folder."""
    import gettext
    import shutil
    import subprocess
    import tempfile

    if not shutil.which("msgfmt") or not shutil.which("xgettext"):
        return ["gettext's msgfmt/xgettext are not installed: run `make install` (Debian package gettext)"]
    findings = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            fresh = fresh or make_messages(root, Path(scratch))
        except subprocess.CalledProcessError as error:
            return [f"makemessages failed: {error.stderr.strip()}"]
        for language in catalogue_languages():
            for domain in DOMAINS:
                relative = Path("locale") / language / "LC_MESSAGES" / f"{domain}.po"
                committed_path, fresh_path = root / relative, fresh / language / "LC_MESSAGES" / f"{domain}.po"
                if not fresh_path.exists():
                    continue
                wanted = {_key(m) for m in _catalogue(fresh_path) if m.id}
                if not committed_path.exists():
                    findings.append(f"{relative}: missing ({len(wanted)} messages to translate): run `make messages`")
                    continue
                catalogue = _catalogue(committed_path)
                have = {}
                for message in catalogue:
                    if message.id:
                        have[_key(message)] = message
                for key in sorted(wanted - have.keys()):
                    findings.append(f"{relative}: not in the catalogue: {key[1][:80]!r}: run `make messages`")
                for key in sorted(have.keys() - wanted):
                    findings.append(f"{relative}: no longer in the sources: {key[1][:80]!r}: run `make messages`")
                for key, message in sorted(have.items()):
                    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                    if message.fuzzy:
                        findings.append(f"{relative}: fuzzy: {key[1][:80]!r}")
                    elif not all(strings):
                        findings.append(f"{relative}: not translated: {key[1][:80]!r}")
                msgfmt = [shutil.which("msgfmt"), "--check", "-o", "/dev/null", str(committed_path)]
                check = subprocess.run(msgfmt, capture_output=True, text=True)  # noqa: S603 (a fixed command)
                if check.returncode:
                    findings += [f"{relative}: msgfmt: {line}" for line in check.stderr.strip().splitlines()]
                compiled = committed_path.with_suffix(".mo")
                if not compiled.exists():
                    findings.append(f"{compiled.relative_to(root)}: missing: run `make compilemessages`")
                else:
                    with compiled.open("rb") as handle:
                        mo = gettext.GNUTranslations(handle)._catalog
                    expected = {}
                    for message in catalogue:
                        if not message.id or message.fuzzy:
                            continue
                        prefix = f"{message.context}\x04" if message.context else ""
                        if isinstance(message.id, (list, tuple)):
                            for index, string in enumerate(message.string):
                                expected[(prefix + message.id[0], index)] = string
                        else:
                            expected[prefix + message.id] = message.string
                    if any(mo.get(key) != value for key, value in expected.items()):
                        findings.append(f"{compiled.relative_to(root)}: older than its .po: run `make compilemessages`")
    return findings
