// The consent page: "Allow" or "Deny" sends the person's decision, then
// follows the URL the server answers back to the app (which receives
// access_denied after "Deny"). postJSON sends the page's CSRF token.
import { describeError, postJSON, showError, enableControls } from "./webauthn.js";

const root = document.getElementById("consent");
const allow = document.getElementById("allow");
const deny = document.getElementById("deny");
const error = document.getElementById("error");
const authRequestID = root.dataset.authRequestId;

let busy = false;

function setBusy(on, pressed) {
  busy = on;
  allow.disabled = on;
  deny.disabled = on;
  pressed.setAttribute("aria-busy", on ? "true" : "false");
}

async function decide(url, pressed) {
  if (busy) return;
  setBusy(true, pressed);
  showError(error, "");
  try {
    const done = await postJSON(url, { auth_request_id: authRequestID });
    window.location.assign(done.redirect_to);
    return; // stay busy while the browser leaves
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false, pressed);
  pressed.focus();
}

allow.addEventListener("click", () => decide(root.dataset.allowUrl, allow));
deny.addEventListener("click", () => decide(root.dataset.denyUrl, deny));

enableControls();
