/** The cells of each row of the table cli-table3 draws (│ cell │ cell │), header first. */
export function tableCells(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}
