// Plain-text and markdown rendering of a table given as header + rows of strings.
// `align` holds 'l' or 'r' per column (default: left for the first, right for the rest).

function defaultAlign(n) {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'l' : 'r'));
}

export function textTable(header, rows, align = defaultAlign(header.length)) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c] ?? '').length)));
  const fmt = (r) => r.map((cell, c) => {
    const s = String(cell ?? '');
    return align[c] === 'r' ? s.padStart(widths[c]) : s.padEnd(widths[c]);
  }).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...rows.map(fmt)].join('\n');
}

export function markdownTable(header, rows, align = defaultAlign(header.length)) {
  const esc = (s) => String(s ?? '').replace(/[|*]/g, '\\$&'); // keep cells literal
  const line = (r) => `| ${r.map(esc).join(' | ')} |`;
  const rule = `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
