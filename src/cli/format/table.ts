/**
 * Column alignment with the rules of Go's text/tabwriter, which kubectl uses. Cells end with a
 * tab, and the last cell of a line is not aligned. A column is aligned over each run of
 * consecutive lines that have a cell in it: each cell is padded to the widest cell of its run
 * plus `padding`, and to at least `minWidth`.
 */

/** The column settings of a Go tabwriter, in characters. */
export interface AlignOptions {
  minWidth: number;
  padding: number;
}

/** kubectl's table printer settings (minimum width 6, padding 3). */
export const tableLayout: AlignOptions = { minWidth: 6, padding: 3 };

/** kubectl describe settings (minimum width 0, padding 2). */
export const describeLayout: AlignOptions = { minWidth: 0, padding: 2 };

/** Aligns tab-separated lines and returns them joined, each followed by a newline. */
export function alignTabs(lines: readonly string[], options: AlignOptions): string {
  const cells = lines.map((line) => line.split('\t'));
  const widths = cells.map((row) => new Array<number>(Math.max(row.length - 1, 0)).fill(0));
  measureColumn(cells, widths, 0, cells.length, 0, options);

  return cells
    .map((row, lineIndex) => {
      const lineWidths = widths[lineIndex] ?? [];
      const padded = row.map((cell, column) => {
        if (column === row.length - 1) return cell;
        return padCell(cell, lineWidths[column] ?? 0);
      });
      return `${padded.join('')}\n`;
    })
    .join('');
}

/** Assigns widths to `column` for each run of lines in [start, end) that have a cell there. */
function measureColumn(
  cells: string[][],
  widths: number[][],
  start: number,
  end: number,
  column: number,
  options: AlignOptions,
): void {
  let line = start;
  while (line < end) {
    if (!hasAlignedCell(cells[line], column)) {
      line++;
      continue;
    }
    let runEnd = line;
    let width = options.minWidth;
    while (runEnd < end && hasAlignedCell(cells[runEnd], column)) {
      const cell = cells[runEnd]?.[column] ?? '';
      width = Math.max(width, displayWidth(cell) + options.padding);
      runEnd++;
    }
    for (let index = line; index < runEnd; index++) {
      const lineWidths = widths[index];
      if (lineWidths !== undefined) lineWidths[column] = width;
    }
    measureColumn(cells, widths, line, runEnd, column + 1, options);
    line = runEnd;
  }
}

function hasAlignedCell(row: string[] | undefined, column: number): boolean {
  return row !== undefined && column < row.length - 1;
}

function padCell(cell: string, width: number): string {
  return cell + ' '.repeat(Math.max(width - displayWidth(cell), 0));
}

/** Counts code points, as tabwriter counts runes. */
function displayWidth(text: string): number {
  return [...text].length;
}

/**
 * Prints table rows in several batches with column widths that only grow, like kubectl's
 * tabwriter with RememberWidths during `get --watch`.
 */
export class TablePrinter {
  private widths: number[] = [];

  constructor(private readonly options: AlignOptions = tableLayout) {}

  /** Formats rows (the header included, when wanted) with the widths remembered so far. */
  format(rows: readonly (readonly string[])[]): string {
    for (const row of rows) {
      row.forEach((cell, column) => {
        if (column === row.length - 1) return;
        const needed = Math.max(displayWidth(cell) + this.options.padding, this.options.minWidth);
        this.widths[column] = Math.max(this.widths[column] ?? 0, needed);
      });
    }
    return rows
      .map((row) => {
        const padded = row.map((cell, column) =>
          column === row.length - 1 ? cell : padCell(cell, this.widths[column] ?? 0),
        );
        return `${padded.join('')}\n`;
      })
      .join('');
  }
}
