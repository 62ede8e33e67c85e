// The sign-in page: begin → navigator.credentials.get() → finish, then back
// to the app through the URL the server answers. "Return to the app"
// cancels the sign-in, which the app receives as access_denied.
import { describeError, getAssertion, postJSON, showError } from "./webauthn.js";

const root = document.getElementById("login");
const form = document.getElementById("signin-form");
const email = document.getElementById("email");
const button = document.getElementById("signin");
const cancel = document.getElementById("cancel");
const error = document.getElementById("error");
const authRequestID = root.dataset.authRequestId;

let busy = false;

function setBusy(on) {
  busy = on;
  button.disabled = on;
  cancel.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  setBusy(true);
  showError(error, "");
  try {
    const begin = { auth_request_id: authRequestID };
    const typed = email.value.trim();
    if (typed) begin.email = typed;
    const options = await postJSON(root.dataset.beginUrl, begin);
    const credential = await getAssertion(options.publicKey);
    const done = await postJSON(root.dataset.finishUrl, { auth_request_id: authRequestID, credential });
    window.location.assign(done.redirect_to);
    return; // stay busy while the browser leaves
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
  button.focus();
});

cancel.addEventListener("click", async () => {
  if (busy) return;
  setBusy(true);
  showError(error, "");
  try {
    const done = await postJSON(root.dataset.cancelUrl, { auth_request_id: authRequestID });
    window.location.assign(done.redirect_to);
    return;
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
});
