/**
 * CSV files (RFC 4180): fields separated by ",", records by CRLF or LF, fields in double
 * quotes may hold commas, line breaks and "" for a quote; a final line break is optional.
 * Every record must have as many fields as the header. Used by the HTTP flows' feeders, the
 * scenario's call data and the platform's CSV import; errors carry the line, callers name the file.
 */
import { readFileSync } from 'node:fs';

export interface CsvTable {
  columns: string[];
  rows: string[][];
}

export class CsvError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = 'CsvError';
  }
}

/** One record of a delimited text file, with the line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

export interface RecordOptions {
  /** Field separator (one character): "," for CSV, ";" for SIPp injection files. */
  delimiter?: string;
  /** RFC 4180 double quotes; false reads a quote as a plain character (SIPp files). */
  quotes?: boolean;
  /** Line number of the first line of `text` (when the caller has cut a first line off). */
  firstLine?: number;
}

/**
 * Splits delimited text into records (blank lines skipped, a BOM dropped); throws CsvError
 * naming the line. The field-level grammar of parseCsv, without the header rules.
 */
export function parseRecords(text: string, o: RecordOptions = {}): CsvRecord[] {
  const delim = o.delimiter ?? ',';
  const quotes = o.quotes ?? true;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = o.firstLine ?? 1;
  let recordLine = line;
  let i = 0;
  let quotedField = false;
  const endField = () => {
    fields.push(field);
    field = '';
    quotedField = false;
  };
  const endRecord = () => {
    const quoted = quotedField;
    endField();
    // A blank line (one empty unquoted field) is skipped, not a record; "" is a record.
    if (!(fields.length === 1 && fields[0] === '' && !quoted)) records.push({ fields, line: recordLine });
    fields = [];
  };
  while (i < src.length) {
    const c = src[i];
    if (quotes && c === '"' && field === '' && !quotedField) {
      quotedField = true;
      const start = line;
      i++;
      for (;;) {
        if (i >= src.length) throw new CsvError(`line ${start}: a quoted field is not closed`, start);
        const q = src[i];
        if (q === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = src[i];
      if (next !== undefined && next !== delim && next !== '\n' && next !== '\r') {
        throw new CsvError(`line ${line}: unexpected ${JSON.stringify(next)} after a closing quote (write "" for a quote inside quotes)`, line);
      }
      continue;
    }
    if (c === delim) {
      fields.push(field);
      field = '';
      quotedField = false;
      i++;
    } else if (c === '\r' && src[i + 1] === '\n') {
      endRecord();
      i += 2;
      recordLine = ++line;
    } else if (c === '\n') {
      endRecord();
      i++;
      recordLine = ++line;
    } else if (quotes && c === '"') {
      throw new CsvError(`line ${line}: a quote inside an unquoted field (quote the whole field and write "" for the quote)`, line);
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
}

/** Parses CSV text with a header row; throws CsvError naming the line. */
export function parseCsv(text: string): CsvTable {
  const records = parseRecords(text);
  if (records.length === 0) throw new CsvError('the file is empty: expected a header row naming the columns', 1);
  const columns = records[0].fields.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) throw new CsvError(`line 1: column name ${JSON.stringify(c)} is not a variable name (letters, digits, "_")`, 1);
    if (seen.has(c)) throw new CsvError(`line 1: column ${JSON.stringify(c)} appears twice`, 1);
    seen.add(c);
  }
  const rows: string[][] = [];
  for (const r of records.slice(1)) {
    if (r.fields.length !== columns.length) {
      throw new CsvError(`line ${r.line}: ${r.fields.length} field(s), expected ${columns.length} (${columns.join(', ')})`, r.line);
    }
    rows.push(r.fields);
  }
  if (rows.length === 0) throw new CsvError('no data rows after the header row', 2);
  return { columns, rows };
}

/** A file's text; throws CsvError with the reason (file not found, a directory, ...). */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CsvError(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, expected a CSV file' : `cannot read it: ${(e as Error).message}`, 0);
  }
}

/** Reads and parses a feeder file; throws an Error whose message starts with the reason (file named by the caller). */
export function readCsvFile(path: string): CsvTable {
  return parseCsv(readTextFile(path));
}
