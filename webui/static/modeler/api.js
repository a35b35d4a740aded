// JSON calls to the modeler API (docs/modeler.md, "The JSON API"); the CSRF token rides in a header.

export function makeApi(root) {
  const csrf = root.dataset.csrf;

  async function call(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (err) { data = { error: "http", message: String(response.status) }; }
    return { status: response.status, data };
  }

  return {
    version: (id) => call("GET", `${root.dataset.apiBase}/versions/${id}`),
    validate: (body) => call("POST", `${root.dataset.apiBase}/validate`, body),
    // validation with every scenario runs as a background job: queue it, then poll its URL
    queueValidation: (body) => call("POST", `${root.dataset.apiBase}/validation-jobs`, body),
    validationJob: (url) => call("GET", url),
    propose: (body) => call("POST", `${root.dataset.apiBase}/propose`, body),
    rebase: (body) => call("POST", `${root.dataset.apiBase}/rebase`, body),
    expression: (kind, text, context) => call("POST", `${root.dataset.apiBase}/expression`, { kind, text, ...(context || {}) }),
    preview: (schema) => call("POST", `${root.dataset.apiBase}/form-preview`, { schema }),
  };
}
