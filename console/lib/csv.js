// CSV as RFC 4180 says (quotes, doubled quotes, CRLF), and the lines of NDJSON: what people export
// from spreadsheets and mediation systems.

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

/** One JSON object per line as {line, record}; blank lines are skipped. Throws naming a line that is not JSON. */
export function ndjsonRecords(text) {
  const records = [];
  text.split(/\r?\n/).forEach((content, index) => {
    if (!content.trim()) return;
    let record;
    try {
      record = JSON.parse(content);
    } catch {
      record = null;
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) throw new Error(`Line ${index + 1} is not a JSON object.`);
    records.push({ line: index + 1, record });
  });
  return records;
}
