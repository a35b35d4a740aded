// Forms in the form-js editor, with our guidance (the five parts, title, notice, sources kept
// in "x-forlob") edited beside it, and a preview rendered by the server as clinicians see it.
import { FormEditor } from "@bpmn-io/form-js";
import { h } from "preact";

export const SECTION_KEYS = ["criteria", "purpose", "needs", "activities", "tools"];

// form-js types the task page cannot show or store (forms/registry.py UNSUPPORTED_TYPES): left out
// of the palette so that every field an owner can add can also be proposed.
export const UNSUPPORTED_TYPES = ["button", "iframe", "image", "table", "filepicker", "documentPreview",
  "dynamiclist", "expression"];

// The canvas shows text and html components as plain text (Markdown source included), built by
// preact as text nodes: form-js would render them as HTML (through its own sanitiser), so a
// component holding markup would reach the canvas of every owner who opens the form. The
// server-rendered preview shows the formatted result; the server refuses markup on save.
export function plainTextView(key) {
  function PlainText(props) {
    const text = (props.field && props.field[key]) || "";
    return h("div", { class: `fjs-form-field fjs-form-field-${props.field.type} forlob-plain-text` },
      text.trim() ? text : h("span", { class: "fjs-form-field-placeholder" }, "(tom tekst)"));
  }
  return PlainText;
}

function OnlySupportedFields(formFields) {
  // runs before "form.init", when the palette reads the registered types
  UNSUPPORTED_TYPES.forEach((type) => { delete formFields._formFields[type]; });
  [["text", "text"], ["html", "content"]].forEach(([type, key]) => {
    const original = formFields.get(type);
    if (!original) { return; }
    const view = plainTextView(key);
    view.config = original.config;  // palette entry, properties and defaults stay form-js's own
    formFields.register(type, view);
  });
}
OnlySupportedFields.$inject = ["formFields"];
const onlySupportedFields = { __init__: ["onlySupportedFields"], onlySupportedFields: ["type", OnlySupportedFields] };

function replaceInTexts(components, oldText, newText) {
  // text components repeat the guidance; keep them in step so the task page skips them
  (components || []).forEach((c) => {
    if (c.type === "text" && oldText && typeof c.text === "string" && c.text.includes(oldText)) {
      c.text = c.text.split(oldText).join(newText);
    }
    if (c.components) { replaceInTexts(c.components, oldText, newText); }
  });
}

export function makeFormEditor(container, guideForm, onChange) {
  const editor = new FormEditor({ container, additionalModules: [onlySupportedFields] });
  let original = null;
  let meta = null;
  let dirty = false;
  let baseline = null;  // the editor's own export right after import: form-js normalises on load
  editor.on("changed", () => {
    if (baseline !== null && JSON.stringify(editor.saveSchema()) !== baseline) { dirty = true; onChange(); }
  });

  function fillGuide() {
    guideForm.querySelector("[name=title]").value = meta.title || "";
    guideForm.querySelector("[name=phase]").value = meta.phase || "";
    guideForm.querySelector("[name=draft_notice]").value = meta.draft_notice || "";
    guideForm.querySelector("[name=sources]").value = (meta.sources || []).join("\n");
    SECTION_KEYS.forEach((key) => {
      const value = (meta.sections || {})[key];
      guideForm.querySelector(`[name=${key}]`).value = Array.isArray(value) ? value.join("\n") : value || "";
    });
  }

  guideForm.addEventListener("input", (event) => {
    if (!meta) { return; }
    const { name, value } = event.target;
    if (SECTION_KEYS.includes(name)) { meta.sections = { ...(meta.sections || {}), [name]: value }; }
    else if (name === "sources") { meta.sources = value.split("\n").map((s) => s.trim()).filter(Boolean); }
    else if (["title", "phase", "draft_notice"].includes(name)) { meta[name] = value; }
    dirty = true;
    onChange();
  });

  return {
    editor,
    async open(text) {
      const schema = JSON.parse(text);
      original = JSON.parse(text)["x-forlob"] || {};
      meta = JSON.parse(JSON.stringify(original));
      baseline = null;
      await editor.importSchema(schema);
      fillGuide();
      dirty = false;
      baseline = JSON.stringify(editor.saveSchema());
    },
    isDirty: () => dirty,
    schema() {
      const schema = editor.saveSchema();
      const sections = (original.sections || {});
      SECTION_KEYS.forEach((key) => {
        const was = sections[key];
        const now = (meta.sections || {})[key];
        if (typeof was === "string" && typeof now === "string" && was !== now) { replaceInTexts(schema.components, was, now); }
      });
      ["title", "draft_notice"].forEach((key) => {
        if (original[key] && meta[key] !== original[key]) { replaceInTexts(schema.components, original[key], meta[key]); }
      });
      schema["x-forlob"] = meta;
      return schema;
    },
    save() { return `${JSON.stringify(this.schema(), null, 2)}\n`; },
  };
}
