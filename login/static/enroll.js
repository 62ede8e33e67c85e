// The enrollment page: begin → navigator.credentials.create() → finish,
// then "Your passkey is ready". The setup link also sends the first
// admin's name and email with begin.
import { createCredential, describeError, postJSON, showError, enableControls } from "./webauthn.js";
import { showRecoveryCodes } from "./recovery_codes.js";

const root = document.getElementById("enroll");
const form = document.getElementById("enroll-form");
const button = document.getElementById("create");
const error = document.getElementById("error");
const start = document.getElementById("enroll-start");
const done = document.getElementById("enroll-done");
const setup = root.dataset.setup === "true";

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
  const begin = {};
  if (setup) {
    begin.name = document.getElementById("name").value.trim();
    begin.email = document.getElementById("email").value.trim();
    if (!begin.name || !begin.email) {
      showError(error, "Enter your name and email address.");
      return;
    }
  }
  setBusy(true);
  try {
    const options = await postJSON(root.dataset.beginUrl, begin);
    const credential = await createCredential(options.publicKey);
    const finished = await postJSON(root.dataset.finishUrl, { credential });
    start.hidden = true;
    // A first passkey comes with recovery codes, shown this once; a link
    // bought by recovery or sign-up continues the sign-in to the app.
    if (finished.recovery_codes && finished.recovery_codes.length) {
      await showRecoveryCodes(finished.recovery_codes);
    }
    if (finished.redirect_to) {
      window.location.assign(finished.redirect_to);
      return;
    }
    done.hidden = false;
    done.querySelector("h1").focus();
    return;
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
  button.focus();
});

enableControls();
