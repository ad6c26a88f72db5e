// CSV as RFC 4180 says (quotes, doubled quotes, CRLF): what people export from spreadsheets. (Usage
// files are not read here: they go to storage as they are and the service reads them.)

/** Rows of cells. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else {
      cell += char;
    }
  }
  if (cell !== "" || row.length) rows.push([...row, cell]);
  return rows.filter((cells) => cells.some((value) => value.trim() !== ""));
}

/**
 * Objects keyed by the header row's names, each with `line` (its line in the file, for messages).
 * `required` names the columns that must be there: a missing one throws.
 */
export function csvRecords(text, required = []) {
  const [header = [], ...rows] = parseCsv(text.replace(/^\uFEFF/, ""));
  const names = header.map((name) => name.trim());
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length) throw new Error(`The CSV header needs the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}.`);
  return rows.map((cells, index) => ({
    line: index + 2,
    ...Object.fromEntries(names.map((name, column) => [name, (cells[column] ?? "").trim()])),
  }));
}
