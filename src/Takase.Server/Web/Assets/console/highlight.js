// The routing explanation names the substrings of the scored prompt (the last user message, as the router saw it)
// that moved the score most, each with its start and length in UTF-16 code units — the same units JavaScript strings
// index by. These functions find them in a message and mark them.

import { element } from './format.js';

/**
 * Where each text contribution lies in `text`, as non-overlapping ranges { start, end, contribution }, in text order.
 * A contribution is placed at its stated start when the text there is the contribution's text; otherwise (the
 * stored message differs from the scored one, e.g. after redaction) at its first occurrence, or not at all.
 * Character n-grams overlap; the list arrives strongest first, so a weaker one overlapping a stronger one is left
 * unmarked (the explanation panel still lists it).
 */
export function contributionRanges(text, contributions) {
  const ranges = [];
  for (const contribution of contributions ?? []) {
    const start = locate(text, contribution);
    if (start < 0) continue;
    const end = start + contribution.text.length;
    if (ranges.some(r => start < r.end && r.start < end)) continue;
    ranges.push({ start, end, contribution });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

function locate(text, contribution) {
  const piece = contribution?.text;
  if (!piece) return -1; // statistics and other non-text features
  const { start } = contribution;
  if (Number.isInteger(start) && start >= 0 && text.startsWith(piece, start)) return start;
  return text.indexOf(piece);
}

/** How many of the contributions can be found in `text` (to pick the message the router scored). */
export function matchCount(text, contributions) {
  return (contributions ?? []).filter(c => locate(text, c) >= 0).length;
}

/** `text` as a fragment with each range in a <mark>, titled with its feature and weight. */
export function highlighted(text, ranges) {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const { start, end, contribution } of ranges) {
    if (start > at) fragment.append(text.slice(at, start));
    const mark = element('mark', contribution.weight >= 0 ? 'pushes-up' : 'pushes-down', text.slice(start, end));
    mark.dataset.feature = contribution.feature;
    mark.title = `${contribution.feature}: ${signed(contribution.weight)} ` +
      (contribution.weight >= 0 ? '(towards a stronger target)' : '(towards a lighter target)');
    fragment.append(mark);
    at = end;
  }
  if (at < text.length) fragment.append(text.slice(at));
  return fragment;
}

/** "+0.412" / "−0.113". */
export function signed(weight) {
  const value = Number(weight);
  return (value >= 0 ? '+' : '−') + Math.abs(value).toFixed(3);
}
