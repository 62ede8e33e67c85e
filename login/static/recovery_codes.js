// The enroll page's "save your recovery codes" step: the codes a first
// passkey comes with, shown this once, with Copy and Download (as text),
// and Continue only once the person says they saved them.

/** Shows the codes; resolves when the person continues. */
export function showRecoveryCodes(codes) {
  const section = document.getElementById("enroll-codes");
  const list = document.getElementById("codes");
  const copy = document.getElementById("copy-codes");
  const download = document.getElementById("download-codes");
  const status = document.getElementById("codes-status");
  const saved = document.getElementById("codes-saved");
  const done = document.getElementById("codes-done");

  list.replaceChildren(...codes.map((code) => {
    const li = document.createElement("li");
    li.textContent = code;
    return li;
  }));
  const text = `Recovery codes for ${location.host}\n` +
    "Each code signs you in once, when you have lost your passkey.\n\n" +
    codes.join("\n") + "\n";

  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = "Copied.";
    } catch {
      status.textContent = "Could not copy here: select the codes and copy them, or download them.";
    }
  });
  download.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `recovery-codes-${location.hostname}.txt`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = "Downloaded.";
  });
  saved.addEventListener("change", () => { done.disabled = !saved.checked; });

  section.hidden = false;
  section.querySelector("h1").focus();
  return new Promise((resolve) => {
    done.addEventListener("click", () => {
      // Shown once: gone from the page when the person moves on.
      list.replaceChildren();
      section.hidden = true;
      resolve();
    }, { once: true });
  });
}
