// Passkey autofill (WebAuthn Level 3 conditional mediation, §5.1.4) and
// the Signal API (§5.1.10): the browser offers the person's passkeys in
// the email field's autofill, and forgets a passkey Latchkey no longer
// knows.

/** Reports whether the browser can offer passkeys in autofill. */
export async function autofillAvailable() {
  if (typeof window.PublicKeyCredential !== "function" ||
      typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") {
    return false;
  }
  try {
    return await PublicKeyCredential.isConditionalMediationAvailable();
  } catch {
    return false;
  }
}

/**
 * Tells the browser (and through it the password manager) that this RP
 * does not know the credential, so that a removed passkey stops being
 * offered. Best effort: older browsers lack it, and nothing waits for it.
 */
export function signalUnknownCredential(rpId, credentialId) {
  if (typeof window.PublicKeyCredential !== "function" ||
      typeof PublicKeyCredential.signalUnknownCredential !== "function" || !rpId || !credentialId) {
    return;
  }
  PublicKeyCredential.signalUnknownCredential({ rpId, credentialId }).catch(() => {});
}
