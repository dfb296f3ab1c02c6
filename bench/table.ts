// Plain-text tables and number formats for the benchmark output.

/** Formats rows under headers as columns separated by two spaces, with numbers aligned right. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = headers.map((_, column) =>
    rows.every((row) => /^[-+]?[\d.,]+( ?[%×kMB/a-z]*)?$|^-$/.test(row[column] ?? '')),
  );
  const formatRow = (row: readonly string[]) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [formatRow(headers), rule, ...rows.map(formatRow)].join('\n');
}

/** Formats a rate such as 1234567 as `1,234,567`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Formats a ratio such as 12.345 as `12.3×`. */
export function formatRatio(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)}×`;
}

/** Formats a share such as 0.987 as `98.7%`. */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
