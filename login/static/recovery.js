// "Lost your passkey?": email and a recovery code → the server answers a
// one-time enrollment link, where the person creates a new passkey and the
// sign-in continues.
import { describeError, postJSON, showError, enableControls } from "./webauthn.js";

const root = document.getElementById("recovery");
const form = document.getElementById("recovery-form");
const email = document.getElementById("email");
const code = document.getElementById("code");
const button = document.getElementById("use-code");
const error = document.getElementById("error");

let busy = false;

function setBusy(on) {
  busy = on;
  button.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  showError(error, "");
  const body = {
    auth_request_id: root.dataset.authRequestId,
    email: email.value.trim(),
    recovery_code: code.value.trim(),
  };
  if (!body.email || !body.recovery_code) {
    showError(error, "Enter your email address and a recovery code.");
    return;
  }
  setBusy(true);
  try {
    const done = await postJSON(root.dataset.recoveryUrl, body);
    window.location.assign(done.enroll_url);
    return; // stay busy while the browser leaves
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
  code.focus();
  code.select();
});

enableControls();
