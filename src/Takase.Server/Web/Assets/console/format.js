// Small formatting helpers shared by the views.

/** "42 s", "3 min 05 s", "2 h 07 min", "3 d 4 h": short enough for a table cell, exact enough to sort by eye. */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A timestamp from the API in the operator's local time. */
export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? '') : date.toLocaleString();
}

/** An element with a class and text; text goes in as text, never as markup. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Shows a message in an element that is hidden when empty. */
export function showMessage(node, text) {
  node.textContent = text ?? '';
  node.hidden = !text;
}
