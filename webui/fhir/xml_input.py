"""FHIR XML message Bundles: read with a hardened lxml parser and turned into the same JSON the
JSON path checks, so both formats meet exactly the same rules (pure: no Flask, no database)."""
from fhir.resources.core.utils.xml import xml_loads
from fhir.resources.R4B.bundle import Bundle
from lxml import etree

XML_TYPES = ("application/fhir+xml", "application/xml", "text/xml")


def _parser():
    # No DTDs, entities or network: an XML body must not make us read files or URLs (XXE) or
    # expand entities (billion laughs); huge_tree stays off so lxml keeps its depth limits.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def to_json(raw: bytes) -> tuple[bytes | None, str | None]:
    """(JSON bytes of the Bundle, None), or (None, why it is no readable FHIR XML Bundle)."""
    try:
        root = etree.fromstring(raw, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        return None, f"not well-formed XML: {str(error)[:200]}"
    if root.getroottree().docinfo.doctype:
        return None, "a DOCTYPE is not allowed"
    if root.tag != "{http://hl7.org/fhir}Bundle":
        return None, "the root element must be a FHIR Bundle (namespace http://hl7.org/fhir)"
    try:
        bundle = xml_loads(Bundle, raw, xmlparser=_parser())
    except Exception as error:  # noqa: BLE001 — any reader failure is bad input, answered coded, never a 500
        return None, f"not a FHIR R4 Bundle in XML: {type(error).__name__}: {str(error)[:200]}"
    return bundle.json().encode(), None


def to_xml(answer: dict) -> bytes:
    """The answer Bundle (an Acknowledgement) as FHIR XML, for a sender that speaks XML."""
    return Bundle.parse_obj(answer).xml(return_bytes=True)
