// Shared helpers of Latchkey's pages: base64url <-> ArrayBuffer, calling
// navigator.credentials with the JSON options the server sends (WebAuthn
// Level 3 JSON shapes), posting JSON, and turning failures into messages a
// person can act on.

/** Decodes base64url (padding optional) into an ArrayBuffer. */
export function fromBase64url(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "=");
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

/** Encodes an ArrayBuffer or view as base64url without padding. */
export function toBase64url(buf) {
  const bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function descriptors(list) {
  return (list || []).map((d) => ({ ...d, id: fromBase64url(d.id) }));
}

// Fallbacks for browsers without PublicKeyCredential.parse*OptionsFromJSON.
function creationOptionsFromJSON(o) {
  return {
    ...o,
    challenge: fromBase64url(o.challenge),
    user: { ...o.user, id: fromBase64url(o.user.id) },
    excludeCredentials: descriptors(o.excludeCredentials),
  };
}

function requestOptionsFromJSON(o) {
  return { ...o, challenge: fromBase64url(o.challenge), allowCredentials: descriptors(o.allowCredentials) };
}

// Fallback for browsers without PublicKeyCredential.prototype.toJSON.
function credentialToJSON(cred) {
  const r = cred.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
  }
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
    response,
  };
}

function supported() {
  return typeof window.PublicKeyCredential === "function" && navigator.credentials;
}

/** Runs navigator.credentials.create() with JSON creation options; returns the credential as JSON. */
export async function createCredential(publicKey) {
  if (!supported()) throw new PasskeyUnsupported();
  const options = typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    ? PublicKeyCredential.parseCreationOptionsFromJSON(publicKey)
    : creationOptionsFromJSON(publicKey);
  const cred = await navigator.credentials.create({ publicKey: options });
  return typeof cred.toJSON === "function" ? cred.toJSON() : credentialToJSON(cred);
}

/**
 * Runs navigator.credentials.get() with JSON request options; returns the
 * credential as JSON. request adds to the call, e.g. { mediation:
 * "conditional", signal } for passkey autofill.
 */
export async function getAssertion(publicKey, request = {}) {
  if (!supported()) throw new PasskeyUnsupported();
  const options = typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    ? PublicKeyCredential.parseRequestOptionsFromJSON(publicKey)
    : requestOptionsFromJSON(publicKey);
  const cred = await navigator.credentials.get({ ...request, publicKey: options });
  return typeof cred.toJSON === "function" ? cred.toJSON() : credentialToJSON(cred);
}

/** An error answer of a Latchkey endpoint: {"error", "error_description"}. */
export class APIError extends Error {
  constructor(status, code, description) {
    super(description || "The server refused the request.");
    this.name = "APIError";
    this.status = status;
    this.code = code;
  }
}

export class PasskeyUnsupported extends Error {
  constructor() {
    super("This browser cannot use passkeys.");
    this.name = "PasskeyUnsupported";
  }
}

/**
 * The page's CSRF token as a header, for the endpoints that work from the
 * browser session (DESIGN.md: <meta name="csrf-token">, X-CSRF-Token).
 */
export function csrfHeaders() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? { "X-CSRF-Token": meta.content } : {};
}

/** POSTs a JSON body (with the page's CSRF token) and returns the JSON answer, or throws APIError. */
export async function postJSON(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...csrfHeaders() },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON (a proxy's error page): reported below by status.
  }
  if (!res.ok) throw new APIError(res.status, data && data.error, data && data.error_description);
  return data;
}

/** Turns any failure of a ceremony into a sentence for the person. */
export function describeError(err) {
  if (err instanceof APIError || err instanceof PasskeyUnsupported) return err.message;
  switch (err && err.name) {
    case "NotAllowedError":
    case "AbortError":
      return "The passkey request was cancelled or timed out. You can try again.";
    case "InvalidStateError":
      return "This device already has a passkey for this account. Use it to sign in.";
    case "NotSupportedError":
      return "This device has no passkey that works here. Try another device or a security key.";
    case "SecurityError":
      return "Passkeys cannot be used on this address.";
    case "TypeError":
      return "Could not reach the server. Check your connection and try again.";
    default:
      return "Something went wrong. Try again.";
  }
}

/** Shows or hides the page's error area. */
export function showError(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

// enableControls turns on the page's buttons once its script has wired
// them. They are served disabled (data-js): before that, a click would
// submit the form natively and reload the page instead of running the
// ceremony — and without JavaScript no passkey ceremony can run at all.
export function enableControls() {
  for (const el of document.querySelectorAll("[data-js]")) el.disabled = false;
}
