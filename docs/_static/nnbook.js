// Wide code, outputs and equations scroll sideways; keyboard users must be able to reach and
// scroll them too (WCAG 2.1.1), so every region that overflows becomes focusable.
document.addEventListener("DOMContentLoaded", () => {
  const regions = document.querySelectorAll("pre, .math-wrapper, .cell_output, .output, .table-wrapper");
  for (const el of regions) {
    if (!el.hasAttribute("tabindex") && (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight)) {
      el.setAttribute("tabindex", "0");
    }
  }
});
