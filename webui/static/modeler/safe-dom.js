// Server-rendered HTML (the form preview) reaches the page only through this module. The text
// is parsed into an inert document (DOMParser: no scripts run, no images load) and rebuilt with
// createElement/setAttribute/createTextNode, keeping only the elements and attributes the task
// page's own templates and Markdown produce. Nothing is ever assigned as HTML to the live page,
// so even markup that slipped past the server's checks cannot run or load anything here.
const TAGS = new Set(["a", "aside", "blockquote", "br", "code", "dd", "details", "div", "dl", "dt",
  "em", "fieldset", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "input", "label", "legend", "li",
  "ol", "optgroup", "option", "p", "pre", "select", "small", "span", "strong", "summary",
  "textarea", "ul"]);
const ATTRIBUTES = new Set(["checked", "class", "cols", "disabled", "for", "hidden", "href", "id",
  "inputmode", "lang", "max", "maxlength", "min", "minlength", "multiple", "name", "open",
  "placeholder", "readonly", "required", "role", "rows", "selected", "step", "title", "type",
  "value"]);
// relative links and web/mail addresses only: no javascript:, data:, vbscript: ...
const SAFE_HREF = /^(?:https?:|mailto:|[^:]*$)/i;

function allowedAttribute(name, value) {
  if (name.startsWith("aria-") || name.startsWith("data-")) { return true; }
  if (!ATTRIBUTES.has(name)) { return false; }
  return name !== "href" || SAFE_HREF.test(value.replace(/[\u0000-\u0020]/g, ""));
}

function copyNode(node, doc) {
  if (node.nodeType === Node.TEXT_NODE) { return doc.createTextNode(node.data); }
  if (node.nodeType !== Node.ELEMENT_NODE) { return null; }  // comments, processing instructions
  const tag = node.localName;
  if (!TAGS.has(tag)) {
    // an unknown element keeps its text (shown, never run); script/style keep nothing
    return ["script", "style", "template", "noscript"].includes(tag) ? null : doc.createTextNode(node.textContent);
  }
  const copy = doc.createElement(tag);
  for (const { name, value } of Array.from(node.attributes)) {
    if (allowedAttribute(name.toLowerCase(), value)) { copy.setAttribute(name, value); }
  }
  node.childNodes.forEach((child) => { const c = copyNode(child, doc); if (c) { copy.appendChild(c); } });
  return copy;
}

// A DocumentFragment holding the allowed part of `html`, built node by node.
export function safeFragment(html, doc = document) {
  const inert = new DOMParser().parseFromString(String(html), "text/html");
  const fragment = doc.createDocumentFragment();
  inert.body.childNodes.forEach((child) => { const c = copyNode(child, doc); if (c) { fragment.appendChild(c); } });
  return fragment;
}

// Replace the target's content with the allowed part of `html`.
export function showHtml(target, html) {
  target.replaceChildren(safeFragment(html, target.ownerDocument));
}
