// What does not fit on a screen, as a list of readable problems (empty when everything fits).
// Called with {regions: [selectors], pagers: [[box, items]], drops: [[box, items]], scrolls: bool} (CSS
// selectors; scrolls: the page may scroll down, as a laptop's does, not a wall's):
//   - every text is inside the screen (or below it, on a page that scrolls; or inside a box that scrolls) and
//     inside each box that clips it (no content cut off or overflowing), and the page is no wider than the screen;
//   - no word is broken across two lines;
//   - the regions that are shown do not overlap one another;
//   - the items of a pager and of a drop list are each whole inside its box or wholly outside it (on another
//     page, or dropped), and the first item of a drop list is shown.
(options) => {
  const problems = [];
  const TOLERANCE = 1;
  const name = (element) => {
    let text = element.tagName.toLowerCase();
    if (element.id) text += "#" + element.id;
    if (element.classList.length) text += "." + [...element.classList].join(".");
    const words = (element.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return words ? `${text} "${words}"` : text;
  };
  const shown = (element) => {
    // Also false inside a closed <details> (its content is not rendered).
    if (!element.checkVisibility({ visibilityProperty: true, opacityProperty: false })) return false;
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden") return false;
      if (node.hasAttribute("hidden")) return false;
    }
    return true;
  };
  const inside = (inner, outer) =>
    inner.left >= outer.left - TOLERANCE && inner.right <= outer.right + TOLERANCE &&
    inner.top >= outer.top - TOLERANCE && inner.bottom <= outer.bottom + TOLERANCE;
  const apart = (a, b) =>
    a.right <= b.left + TOLERANCE || b.right <= a.left + TOLERANCE ||
    a.bottom <= b.top + TOLERANCE || b.bottom <= a.top + TOLERANCE;
  const CUT = ["hidden", "clip"];
  const clips = (element) => {
    const style = getComputedStyle(element);
    return CUT.includes(style.overflowX) || CUT.includes(style.overflowY);
  };
  const inScroller = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (["auto", "scroll"].includes(style.overflowX) || ["auto", "scroll"].includes(style.overflowY)) return true;
    }
    return false;
  };
  // An item that is wholly outside its pager or drop list is on another page or dropped: not a problem.
  const away = new Set();
  const checkItems = ([selector, itemSelector], kind) => {
    for (const box of document.querySelectorAll(selector)) {
      if (!shown(box)) continue;
      const frame = box.getBoundingClientRect();
      const items = [...box.querySelectorAll(itemSelector)];
      items.forEach((item, index) => {
        const rect = item.getBoundingClientRect();
        if (inside(rect, frame)) return;
        if (apart(rect, frame)) { away.add(item); if (kind === "drop" && index === 0) problems.push(`the first item of ${name(box)} is not shown: ${name(item)}`); return; }
        problems.push(`${kind} item cut by its box ${name(box)}: ${name(item)}`);
      });
    }
  };
  options.pagers.forEach((pager) => checkItems(pager, "pager"));
  options.drops.forEach((drop) => checkItems(drop, "drop"));
  const forReadersOnly = (element) => {
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.position === "absolute" && style.clip === "rect(0px, 0px, 0px, 0px)") return true;
    }
    return false;
  };
  const isAway = (element) => {
    for (let node = element; node; node = node.parentElement) if (away.has(node)) return true;
    return false;
  };
  // A page that scrolls down may have text above or below the screen, never beside it.
  const viewport = { left: 0, right: window.visualViewport.width, top: options.scrolls ? -Infinity : 0,
    bottom: options.scrolls ? Infinity : window.innerHeight };
  // On a phone the layout grows to fit what is too wide; what the person sees is the visual viewport.
  if (document.documentElement.scrollWidth > window.visualViewport.width + TOLERANCE) {
    problems.push(`the page is wider than the screen: ${document.documentElement.scrollWidth} px`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    if (!text.trim()) continue;
    const element = node.parentElement;
    if (!shown(element) || isAway(element)) continue;
    // Text kept for screen readers only, and the skip link until it is focused, are off the screen on purpose.
    if (forReadersOnly(element) || element.closest(".skip, script, style")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (!inside(rect, viewport) && !seen.has(element) && !inScroller(element)) {
      seen.add(element);
      problems.push(`text outside the screen: ${name(element)}`);
    }
    for (let box = element; box && box !== document.body; box = box.parentElement) {
      if (!clips(box) || seen.has(element)) continue;
      const frame = box.getBoundingClientRect();
      const padding = { left: frame.left + box.clientLeft, top: frame.top + box.clientTop,
        right: frame.left + box.clientLeft + box.clientWidth, bottom: frame.top + box.clientTop + box.clientHeight };
      if (!inside(rect, padding)) {
        seen.add(element);
        problems.push(`text cut by ${name(box)}: ${name(element)}`);
      }
    }
    // A word whose letters fall on two lines has been broken in the middle (a hyphen is a place to break).
    const pattern = /[^\s\-\u2010\u2013]+/g;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`word broken across lines: "${match[0]}" in ${name(element)}`);
    }
  }
  const regions = options.regions.flatMap((selector) => [...document.querySelectorAll(selector)])
    .filter((element) => shown(element) && element.getBoundingClientRect().width > 0);
  regions.forEach((region, index) => {
    const rect = region.getBoundingClientRect();
    if (!inside(rect, viewport) && !inScroller(region)) problems.push(`region outside the screen: ${name(region)}`);
    for (const other of regions.slice(index + 1)) {
      if (region.contains(other) || other.contains(region)) continue;
      if (!apart(rect, other.getBoundingClientRect())) problems.push(`regions overlap: ${name(region)} and ${name(other)}`);
    }
  });
  return problems;
}
