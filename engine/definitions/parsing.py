"""Definition bundles: safe XML parsing, validation, hashing and the in-process spec cache."""
import hashlib
import threading
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.definitions import rules
from engine.errors import InvalidDefinition, Message
from forms.registry import FORM_ID, FormDefinitionError, UnknownForm, check_texts, parse_form
from forms.text import TextRefused, clean_text

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_BUNDLE_BYTES = 10 * 1024 * 1024
MAX_FILES = 100
# the one text rule (forms/text.py) for every attribute (names, ids, conditions) and every
# element's text (documentation, scripts, expressions) of an uploaded BPMN/DMN file
MAX_XML_ATTRIBUTE = 4000
# above the sandbox's own limit for one script (MAX_SOURCE, 100,000), which reports it precisely
MAX_XML_TEXT = 200_000
SUFFIXES = (".bpmn", ".dmn")
FORM_PREFIX = "forms/"   # a bundle's forms are "forms/<form_id>.json"

# A hardened parser: no DTDs, no entity expansion, no network, no huge trees.
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              dtd_validation=False, huge_tree=False)


@dataclass
class ProcessInfo:
    """One executable process of a bundle, ready to instantiate."""

    process_id: str
    name: str
    spec: object
    subprocess_specs: dict


@dataclass
class Bundle:
    """A parsed bundle: its hash and the executable processes by id."""

    content_hash: str
    processes: dict = field(default_factory=dict)

    def process(self, process_id):
        """The process with this id, or KeyError."""
        return self.processes[process_id]


def content_hash(files):
    """SHA-256 over the sorted file names and contents (bytes)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        data = data.encode("utf-8") if isinstance(data, str) else data
        digest.update(name.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()


def parse_xml(name, data):
    """Parse one XML document safely; raise InvalidDefinition on anything suspicious."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidDefinition([(name, None, None, Message("filen er større end %(limit)s byte",
                                                           limit=MAX_FILE_BYTES))])
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise InvalidDefinition([(name, None, None, Message("DTD'er og entiteter er ikke tilladt"))])
    try:
        root = etree.fromstring(data, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidDefinition([(name, None, exc.lineno, Message("XML-syntaksfejl: %(detail)s",
                                                                         detail=exc.msg))]) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise InvalidDefinition([(name, None, None, Message("DTD'er er ikke tilladt"))])
    _check_root(name, root)
    return root


# file suffix → namespaces its root <definitions> may be in (SpiffWorkflow's parsers
# assume them and fail with raw lxml errors on anything else).
ROOT_NAMESPACES = {
    ".bpmn": ("http://www.omg.org/spec/BPMN/20100524/MODEL",),
    ".dmn": ("https://www.omg.org/spec/DMN/20191111/MODEL/",
             "http://www.omg.org/spec/DMN/20180521/MODEL/",
             "http://www.omg.org/spec/DMN/20151101/dmn.xsd"),
}


def _check_root(name, root):
    """Refuse a document whose root is not <definitions> in its file type's namespace."""
    suffix = "." + name.rsplit(".", 1)[-1]
    allowed = ROOT_NAMESPACES.get(suffix, ())
    qname = etree.QName(root)
    if qname.localname != "definitions" or qname.namespace not in allowed:
        raise InvalidDefinition([(name, root.get("id"), root.sourceline,
                                  Message("rodelementet skal være <definitions> i navnerummet %(namespaces)s, "
                                          "ikke %(tag)s", namespaces=" / ".join(allowed),
                                          tag=root.tag))])


def xml_text_problems(name, root):
    """Problems of a parsed diagram's text: each attribute and text node follows the text rule.

    XML itself refuses most control characters, but not DEL and the C1 block (U+007F-U+009F),
    and it sets no length: such text would reach every page that shows a task's name.
    """
    problems = []
    for element in root.iter():
        where = element.get("id") if isinstance(element.tag, str) else None
        texts = [(v, MAX_XML_ATTRIBUTE) for v in element.attrib.values()] if isinstance(
            element.tag, str) else []
        texts += [(t, MAX_XML_TEXT) for t in (element.text, element.tail) if t]
        for text, limit in texts:
            try:
                clean_text(text, limit)
            except TextRefused as exc:
                problems.append((name, where, element.sourceline, f"text {text[:40]!r} {exc}"))
    return problems


def _check_bundle_shape(files):
    problems = []
    if len(files) > MAX_FILES:
        problems.append((None, None, None, Message("mere end %(limit)s filer", limit=MAX_FILES)))
    if sum(len(v) for v in files.values()) > MAX_BUNDLE_BYTES:
        problems.append((None, None, None, Message("pakken er større end %(limit)s byte",
                                                     limit=MAX_BUNDLE_BYTES)))
    for name in files:
        if form_id_of(name) is not None:
            continue
        if not name.endswith(SUFFIXES) or "/" in name or "\\" in name or name.startswith("."):
            problems.append((name, None, None, Message("kun almindelige *.bpmn- og *.dmn-filnavne og "
                                                       "forms/<id>.json er tilladt")))
    if problems:
        raise InvalidDefinition(problems)


def form_id_of(name):
    """The form id of a bundle file name "forms/<id>.json", else None."""
    if not name.startswith(FORM_PREFIX) or not name.endswith(".json"):
        return None
    form_id = name[len(FORM_PREFIX):-len(".json")]
    return form_id if FORM_ID.match(form_id) else None


def split_bundle(files):
    """({diagram name: data}, {form id: data}) of a bundle."""
    diagrams = {n: d for n, d in files.items() if form_id_of(n) is None}
    forms = {form_id_of(n): d for n, d in files.items() if form_id_of(n) is not None}
    return diagrams, forms


def check_forms(forms):
    """Problems of a bundle's forms: each must be well-formed form-js with our metadata."""
    problems: list[tuple[str | None, str | None, int | None, str]] = []  # (file, element, line, message)
    for form_id, data in sorted(forms.items()):
        name = f"{FORM_PREFIX}{form_id}.json"
        try:
            definition = parse_form(form_id, data.decode("utf-8") if isinstance(data, bytes) else data)
        except FormDefinitionError as exc:
            problems.extend((name, form_id, None, p) for p in exc.problems)
        except (UnknownForm, UnicodeDecodeError) as exc:
            problems.append((name, form_id, None, Message("ulæselig formular: %(detail)s",
                                                                detail=str(exc))))
        else:  # a bundle being saved: its text must follow the rule too (forms/text.py)
            problems.extend((name, form_id, None, p) for p in check_texts(definition.schema))
    return problems


def _as_bytes(files):
    return {n: (d.encode("utf-8") if isinstance(d, str) else bytes(d)) for n, d in files.items()}


def parse_bundle(files, known_forms=None):
    """Parse and validate a bundle {filename: bytes}; return a Bundle or raise InvalidDefinition.

    A bundle that carries forms (forms/<id>.json) is checked against exactly those forms;
    one without forms (older versions, test fixtures) against `known_forms`.
    """
    files = _as_bytes(files)
    _check_bundle_shape(files)
    diagrams, forms = split_bundle(files)
    problems = check_forms(forms)
    if forms:
        known_forms = set(forms)
    roots = {}
    for name in sorted(diagrams):
        try:
            roots[name] = parse_xml(name, diagrams[name])
        except InvalidDefinition as exc:
            problems.extend(exc.problems)
        else:
            problems.extend(xml_text_problems(name, roots[name]))
    if problems:
        raise InvalidDefinition(problems)
    if not roots:
        raise InvalidDefinition([(None, None, None, Message("pakken har ingen BPMN- eller DMN-fil"))])
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, root in roots.items():
        if name.endswith(".dmn") and not any(isinstance(el.tag, str) and el.tag.endswith("}decision")
                                             for el in root):
            # SpiffWorkflow would fail with an IndexError on a table without a decision
            problems.append((name, None, root.sourceline, Message("beslutningstabellen har ingen beslutning")))
            continue
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except (ValidationException, SpiffWorkflowException) as exc:
            problems.append(_problem_from_spiff(name, exc, roots))
    problems.extend(rules.check_documents(roots))
    if problems:
        raise InvalidDefinition(problems)
    bundle = Bundle(content_hash(files))
    for process_id in parser.get_process_ids():
        try:
            spec = parser.get_spec(process_id)
            subs = parser.get_subprocess_specs(process_id)
        except (ValidationException, SpiffWorkflowException) as exc:
            problems.append(_problem_from_spiff(None, exc, roots))
            continue
        name = parser.get_process_parser(process_id).get_name() or process_id
        bundle.processes[process_id] = ProcessInfo(process_id, name, spec, subs)
    problems.extend(rules.check_specs(bundle, roots, known_forms))
    if problems:
        raise InvalidDefinition(problems)
    return bundle


def _problem_from_spiff(name, exc, roots):
    element = getattr(exc, "id", None) or getattr(exc, "task_id", None) or None
    line = getattr(exc, "line_number", None) or getattr(exc, "sourceline", None) or None
    file_name = getattr(exc, "file_name", None) or name
    if element and not line:  # SpiffWorkflow reads `line_number`, which lxml elements lack
        for candidate in ([file_name] if file_name in roots else []) + sorted(roots):
            hits = roots[candidate].xpath("//*[@id=$id]", id=element)
            if hits:
                file_name, line = candidate, hits[0].sourceline
                break
    return (file_name, element, line, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


_CACHE: dict[str, Bundle] = {}  # content hash -> parsed bundle
_CACHE_LOCK = threading.Lock()


def cached_bundle(content_hash_, files_loader):
    """The parsed bundle for a hash, parsing it (via files_loader()) once per process."""
    bundle = _CACHE.get(content_hash_)
    if bundle is None:
        with _CACHE_LOCK:
            bundle = _CACHE.get(content_hash_)
            if bundle is None:
                bundle = parse_bundle(files_loader(), known_forms=None)
                _CACHE[content_hash_] = bundle
    return bundle


def remember(bundle):
    """Put a freshly validated bundle into the cache."""
    with _CACHE_LOCK:
        _CACHE.setdefault(bundle.content_hash, bundle)
    return _CACHE[bundle.content_hash]
