// Sign-up: an email address → a six-digit code by mail → the server
// answers a one-time enrollment link, where the person creates their
// passkey (and saves their recovery codes) and the sign-in continues.
import { describeError, postJSON, showError, enableControls } from "./webauthn.js";

const root = document.getElementById("signup");
const authRequestID = root.dataset.authRequestId;
const stepEmail = document.getElementById("step-email");
const stepCode = document.getElementById("step-code");
const emailForm = document.getElementById("email-form");
const email = document.getElementById("email");
const send = document.getElementById("send");
const emailError = document.getElementById("email-error");
const sentTo = document.getElementById("sent-to");
const codeForm = document.getElementById("code-form");
const code = document.getElementById("code");
const verify = document.getElementById("verify");
const codeError = document.getElementById("code-error");
const resend = document.getElementById("resend");
const changeEmail = document.getElementById("change-email");

let busy = false;
let address = "";

function setBusy(on, pressed) {
  busy = on;
  for (const b of [send, verify, resend, changeEmail]) b.disabled = on;
  pressed.setAttribute("aria-busy", on ? "true" : "false");
}

async function sendCode(pressed, errorArea) {
  setBusy(true, pressed);
  showError(errorArea, "");
  try {
    await postJSON(root.dataset.startUrl, { auth_request_id: authRequestID, email: address });
    sentTo.textContent = address;
    stepEmail.hidden = true;
    stepCode.hidden = false;
    code.value = "";
    stepCode.querySelector("h1").focus();
  } catch (err) {
    showError(errorArea, describeError(err));
  }
  setBusy(false, pressed);
}

emailForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  address = email.value.trim();
  if (!address) {
    showError(emailError, "Enter your email address.");
    return;
  }
  await sendCode(send, emailError);
});

codeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  const typed = code.value.trim();
  if (!typed) {
    showError(codeError, "Enter the code from the email.");
    return;
  }
  setBusy(true, verify);
  showError(codeError, "");
  try {
    const done = await postJSON(root.dataset.verifyUrl, { auth_request_id: authRequestID, email: address, code: typed });
    window.location.assign(done.enroll_url);
    return; // stay busy while the browser leaves
  } catch (err) {
    showError(codeError, describeError(err));
  }
  setBusy(false, verify);
  code.focus();
});

resend.addEventListener("click", () => {
  if (!busy) sendCode(resend, codeError);
});

changeEmail.addEventListener("click", () => {
  if (busy) return;
  stepCode.hidden = true;
  stepEmail.hidden = false;
  email.focus();
});

enableControls();
