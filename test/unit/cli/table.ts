/**
 * The cells of each row of the table cli-table3 draws (│ cell │ cell │), header first. A row whose
 * cells span several lines (a group with several launch templates) is one row, its cells' lines
 * joined with `\n`.
 */
export function tableCells(text: string): string[][] {
  const rows: string[][] = [];
  let continuing = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('│')) {
      continuing = false;
      continue;
    }
    const cells = line
      .split('│')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const previous = rows.at(-1);
    if (continuing && previous) {
      rows[rows.length - 1] = previous.map((cell, i) => [cell, cells[i] ?? ''].filter(Boolean).join('\n'));
    } else rows.push(cells);
    continuing = true;
  }
  return rows;
}
