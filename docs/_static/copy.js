// The "Copy" buttons of the code blocks. Each is written into the page when the book is built,
// hidden, after its block's code. The button of one block at a time is shown: the block the
// mouse points at, the one last touched, or the one holding the keyboard focus (the code takes
// focus, then Tab reaches the button). Doctest prompts (">>> ", "... ") are not copied.
let shown = null;

function buttonOf(node) {
  return node?.closest?.("div.highlight")?.querySelector(":scope > button.copy-code") ?? null;
}

function show(button) {
  if (shown && shown !== button) shown.hidden = true;
  if (button) button.hidden = false;
  shown = button;
}

document.addEventListener("pointerover", (event) => show(buttonOf(event.target)));
document.addEventListener("pointerout", (event) => {
  // A touch ends with pointerout; the button must stay until the reader taps it.
  if (event.pointerType !== "touch" && buttonOf(event.relatedTarget) !== shown) show(null);
});
document.addEventListener("focusin", (event) => show(buttonOf(event.target)));
document.addEventListener("focusout", (event) => {
  if (buttonOf(event.relatedTarget) !== shown) show(null);
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy-code");
  if (!button) return;
  const prompt = /^(>>> |\.\.\. )/;
  let lines = button.parentElement.querySelector("pre").innerText.replace(/\n$/, "").split("\n");
  if (lines.some((line) => prompt.test(line))) {
    lines = lines.filter((line) => prompt.test(line)).map((line) => line.replace(prompt, ""));
  }
  const label = button.dataset.label ?? (button.dataset.label = button.textContent);
  try {
    await navigator.clipboard.writeText(lines.join("\n"));
    button.textContent = button.dataset.copied;
  } catch {
    // e.g. a page opened from file://, without clipboard access
    button.textContent = button.dataset.failed;
  }
  setTimeout(() => (button.textContent = label), 2000);
});
