// The account page: add, rename and remove passkeys, new recovery codes,
// sign out — all through the passkey management API (/api/v1/me/…) with
// the session and the page's CSRF token. A destructive call may answer
// 403 step_up_required with request options: the page then runs that
// passkey ceremony, posts it to finish_url and retries the call once.
//
// The WebAuthn Signal API, where the browser has it, tells the person's
// password manager which passkeys this account still accepts (on load and
// after a removal, so a removed one vanishes from autofill) and their
// current name.
import { APIError, createCredential, csrfHeaders, describeError, getAssertion, showError, enableControls } from "./webauthn.js";

const root = document.getElementById("account");
const api = root.dataset.apiUrl;
const list = document.getElementById("passkeys");
const status = document.getElementById("status");
const error = document.getElementById("error");

let busy = false;

/** Calls the API; runs a step-up ceremony and retries when asked to. */
async function call(method, url, body, steppedUp = false) {
  const headers = { Accept: "application/json", ...csrfHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      // Not JSON (a proxy's error page): reported below by status.
    }
  }
  if (res.status === 403 && data && data.error === "step_up_required" && data.publicKey && !steppedUp) {
    say("Confirm it is you with one of your passkeys.");
    const credential = await getAssertion(data.publicKey);
    await call("POST", data.finish_url, { credential }, true);
    return call(method, url, body, true);
  }
  if (!res.ok) throw new APIError(res.status, data && data.error, data && data.error_description);
  return data;
}

function say(message) {
  status.textContent = message || "";
  status.hidden = !message;
}

/** Runs one action with the page busy and its outcome shown. */
async function act(action) {
  if (busy) return;
  busy = true;
  root.setAttribute("aria-busy", "true");
  showError(error, "");
  say("");
  try {
    await action();
  } catch (err) {
    say("");
    showError(error, describeError(err));
  } finally {
    busy = false;
    root.setAttribute("aria-busy", "false");
  }
}

function signalSupported(name) {
  return typeof window.PublicKeyCredential === "function" && typeof PublicKeyCredential[name] === "function";
}

/** Tells the password manager the full list of passkeys this account accepts. */
function signalAccepted() {
  if (!signalSupported("signalAllAcceptedCredentials")) return;
  const ids = [...list.querySelectorAll(".passkey")].map((li) => li.dataset.credentialId);
  PublicKeyCredential.signalAllAcceptedCredentials({
    rpId: root.dataset.rpId,
    userId: root.dataset.userId,
    allAcceptedCredentialIds: ids,
  }).catch(() => {}); // a hint to the password manager; nothing to do if it declines
}

function signalUserDetails() {
  if (!signalSupported("signalCurrentUserDetails")) return;
  PublicKeyCredential.signalCurrentUserDetails({
    rpId: root.dataset.rpId,
    userId: root.dataset.userId,
    name: root.dataset.userName,
    displayName: root.dataset.displayName,
  }).catch(() => {});
}

document.getElementById("add-passkey").addEventListener("click", () => act(async () => {
  const options = await call("POST", api + "/passkeys/register/begin", {});
  const credential = await createCredential(options.publicKey);
  await call("POST", api + "/passkeys/register/finish", { credential });
  say("Passkey added.");
  window.location.reload();
}));

for (const item of list.querySelectorAll(".passkey")) {
  const form = item.querySelector(".rename-form");
  const confirm = item.querySelector(".confirm-remove");
  const url = api + "/passkeys/" + encodeURIComponent(item.dataset.id);

  item.querySelector(".rename").addEventListener("click", () => {
    confirm.hidden = true;
    form.hidden = false;
    form.elements.name.focus();
  });
  form.querySelector(".cancel").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      const renamed = await call("PATCH", url, { name: form.elements.name.value });
      for (const el of item.querySelectorAll(".passkey-name")) el.textContent = renamed.name;
      item.querySelector(".rename").setAttribute("aria-label", "Rename passkey " + renamed.name);
      item.querySelector(".remove").setAttribute("aria-label", "Remove passkey " + renamed.name);
      form.hidden = true;
      say("Passkey renamed.");
    });
  });

  item.querySelector(".remove").addEventListener("click", () => {
    form.hidden = true;
    confirm.hidden = false;
    confirm.querySelector(".confirm").focus();
  });
  confirm.querySelector(".cancel").addEventListener("click", () => { confirm.hidden = true; });
  confirm.querySelector(".confirm").addEventListener("click", () => act(async () => {
    await call("DELETE", url);
    item.remove();
    signalAccepted();
    say("Passkey removed.");
  }));
}

document.getElementById("new-codes").addEventListener("click", () => act(async () => {
  const { recovery_codes: codes } = await call("POST", api + "/recovery-codes", {});
  const ol = document.getElementById("codes");
  ol.replaceChildren(...codes.map((c) => {
    const li = document.createElement("li");
    li.textContent = c;
    return li;
  }));
  document.getElementById("codes-shown").hidden = false;
  document.getElementById("codes-count").textContent = `You have ${codes.length} unused recovery codes.`;
  // With codes in hand, even the last passkey may go.
  for (const b of list.querySelectorAll(".remove")) b.disabled = false;
  say("New recovery codes created. The old ones no longer work.");
}));

document.getElementById("sign-out").addEventListener("click", () => act(async () => {
  const done = await call("POST", root.dataset.signOutUrl, {});
  window.location.assign(done.redirect_to);
}));

signalAccepted();
signalUserDetails();

enableControls();
