// The sign-in page: begin → navigator.credentials.get() → finish, then back
// to the app through the URL the server answers. "Return to the app"
// cancels the sign-in, which the app receives as access_denied.
//
// On load the page also starts a conditional request (passkey autofill in
// the email field); the button aborts it before its own ceremony.
import { APIError, describeError, getAssertion, postJSON, showError, enableControls } from "./webauthn.js";
import { autofillAvailable, signalUnknownCredential } from "./conditional.js";

const root = document.getElementById("login");
const form = document.getElementById("signin-form");
const email = document.getElementById("email");
const button = document.getElementById("signin");
const cancel = document.getElementById("cancel");
const error = document.getElementById("error");
const authRequestID = root.dataset.authRequestId;

let busy = false;
// The pending conditional request: its AbortController, and a promise
// that settles once its begin call has — so that the ceremony cookie that
// call sets can never overwrite the one of a ceremony begun after it.
let autofill = null;

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
    await stopAutofill();
    const options = await postJSON(root.dataset.beginUrl, begin);
    const credential = await getAssertion(options.publicKey);
    const done = await finish(options.publicKey, credential);
    window.location.assign(done.redirect_to);
    return; // stay busy while the browser leaves
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
  button.focus();
  startAutofill();
});

// finish posts the assertion. When the server does not know the passkey
// (removed from the account), the browser is told, so that it stops
// offering it.
async function finish(publicKey, credential) {
  try {
    return await postJSON(root.dataset.finishUrl, { auth_request_id: authRequestID, credential });
  } catch (err) {
    if (err instanceof APIError && err.code === "unknown_credential") {
      signalUnknownCredential(publicKey.rpId, credential.id);
    }
    throw err;
  }
}

// startAutofill begins a conditional request: the browser offers the
// person's passkeys when they focus the email field, and the promise
// settles only once they pick one. Its failures are silent (the button is
// the way on); only a refused finish is shown. The request is registered
// in autofill at once, before anything is awaited, so that a click in the
// meantime always finds it to abort.
function startAutofill() {
  if (autofill || busy) return;
  const controller = new AbortController();
  let begun;
  autofill = { controller, begun: new Promise((resolve) => { begun = resolve; }) };
  runAutofill(controller, begun);
}

async function runAutofill(controller, begun) {
  const mine = () => autofill && autofill.controller === controller;
  let options;
  let credential;
  let renew;
  try {
    if (!(await autofillAvailable()) || controller.signal.aborted) throw new Error("no autofill");
    options = await postJSON(root.dataset.beginUrl, { auth_request_id: authRequestID, conditional: true });
    begun();
    if (controller.signal.aborted) return;
    // The server's ceremony lasts 5 minutes (publicKey.timeout); a person
    // may leave the page open longer, so the request is renewed before.
    const life = options.publicKey.timeout || 300000;
    renew = setTimeout(() => {
      if (mine() && !busy) stopAutofill().then(startAutofill);
    }, Math.max(30000, life - 30000));
    credential = await getAssertion(options.publicKey, { mediation: "conditional", signal: controller.signal });
  } catch {
    begun();
    clearTimeout(renew);
    if (mine()) autofill = null;
    return;
  }
  clearTimeout(renew);
  if (mine()) autofill = null;
  if (busy) return;
  setBusy(true);
  showError(error, "");
  try {
    const done = await finish(options.publicKey, credential);
    window.location.assign(done.redirect_to);
    return;
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
  startAutofill();
}

// stopAutofill aborts the conditional request, if any, and waits until
// its begin call has settled.
async function stopAutofill() {
  const current = autofill;
  autofill = null;
  if (!current) return;
  current.controller.abort();
  await current.begun;
}

startAutofill();

cancel.addEventListener("click", async () => {
  if (busy) return;
  setBusy(true);
  showError(error, "");
  try {
    await stopAutofill();
    const done = await postJSON(root.dataset.cancelUrl, { auth_request_id: authRequestID });
    window.location.assign(done.redirect_to);
    return;
  } catch (err) {
    showError(error, describeError(err));
  }
  setBusy(false);
});

enableControls();
