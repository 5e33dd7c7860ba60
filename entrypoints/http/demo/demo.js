// The demo page: a send, then its status watched until delivered or refused, then a toast.
import { sendNotification, waitForOutcome } from "./api.js";
import { clearError, showError, showStatus, toast } from "./view.js";

const TOKEN_KEY = "notifications-demo-token";
const DEFAULTS = { sms: ["+15551234567", "Your code is 481516"], email: ["alice@example.org", "Hello Alice"] };
const $ = (id) => document.getElementById(id);
let failedSend = null; // the send to retry, with its Idempotency-Key

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID(); // secure contexts only (https, localhost)
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function channel() {
  return document.querySelector("input[name=channel]:checked").value;
}

function message() {
  const to = $("to").value.trim(), text = $("text").value;
  return channel() === "sms"
    ? { channel: "sms", to, body: text }
    : { channel: "email", to: [to], subject: $("subject").value, text };
}

function chooseChannel() {
  const chosen = channel(), other = chosen === "sms" ? "email" : "sms";
  document.querySelectorAll(".email-only").forEach((node) => { node.hidden = chosen !== "email"; });
  [$("to"), $("text")].forEach((field, index) => {
    if (field.value === DEFAULTS[other][index]) field.value = DEFAULTS[chosen][index];
  });
}

function keepToken() {
  if ($("remember").checked) sessionStorage.setItem(TOKEN_KEY, $("token").value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function send(attempt) {
  clearError();
  $("retry-button").hidden = true;
  $("send-button").disabled = true;
  $("idempotency-key").textContent = attempt.key;
  try {
    let accepted;
    try {
      accepted = await sendNotification(attempt.base, attempt.token, attempt.message, attempt.key);
      failedSend = null;
    } catch (error) {
      failedSend = error.retryable ? attempt : null;
      $("retry-button").hidden = !failedSend;
      throw error;
    }
    showStatus(accepted.view);
    toast(await waitForOutcome(accepted.location, attempt.token, showStatus));
  } catch (error) {
    showError(error);
  } finally {
    $("send-button").disabled = false;
  }
}

$("api-base").value = location.origin;
$("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("remember").checked = Boolean($("token").value);
$("remember").addEventListener("change", keepToken);
$("token").addEventListener("input", keepToken);
document.querySelectorAll("input[name=channel]").forEach((radio) => radio.addEventListener("change", chooseChannel));
$("send").addEventListener("submit", (event) => {
  event.preventDefault();
  const base = $("api-base").value.trim() || location.origin;
  send({ base, token: $("token").value.trim(), message: message(), key: newKey() });
});
$("retry-button").addEventListener("click", () => failedSend && send(failedSend));
document.body.dataset.ready = "true";
