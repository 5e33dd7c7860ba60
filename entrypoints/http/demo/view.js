// What the page shows: the status view as it changes, problems readably, and the toast.

const FIELDS = ["id", "channel", "status", "reason", "attempts", "reference", "created_at", "updated_at"];
const $ = (id) => document.getElementById(id);
let toastTimer;

function element(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function showStatus(view) {
  const rows = FIELDS.filter((name) => view[name] !== null && view[name] !== undefined).flatMap((name) => [
    element("dt", name),
    element("dd", String(view[name]), name === "status" ? `status-${view.status}` : ""),
  ]);
  $("status").replaceChildren(...rows);
}

export function showError(error) {
  const box = $("error");
  const title = error.title || error.message;
  const lines = [element("p", error.status ? `${title} (HTTP ${error.status})` : title)];
  lines[0].style.fontWeight = "600";
  if (error.detail) lines.push(element("p", error.detail));
  const params = error.invalidParams || [];
  if (params.length) {
    const list = element("ul", "");
    list.replaceChildren(...params.map((param) => element("li", `${param.name}: ${param.reason}`)));
    lines.push(list);
  }
  if (error.retryable) lines.push(element("p", "Nothing is lost by retrying: the same Idempotency-Key is sent again."));
  if (error.requestId) lines.push(element("p", `Request id: ${error.requestId}`));
  box.replaceChildren(...lines);
  box.hidden = false;
}

export function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

export function toast(view) {
  const box = $("toast");
  const what = view.channel === "email" ? "Email" : view.channel.toUpperCase();
  box.textContent = view.status === "delivered" ? `${what} delivered` : `${what} refused: ${view.reason}`;
  box.className = `toast toast-${view.status}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 15000);
}
