import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, type TransformCallback } from 'node:stream';
import { CsvError, Parser } from 'csv-parse';
import { UsageError } from '../errors.js';

/**
 * A CSV file as a stream of records, each with the physical line it starts on, read a chunk at a
 * time so a file of any size fits in memory. Line numbers are counted here rather than taken from
 * csv-parse's `info.lines`: that is the line a record ends on, and it counts a CRLF inside a quoted
 * field twice.
 */

export interface CsvRecord {
  /** 1-based line in the file where the record starts. */
  line: number;
  fields: string[];
}

/** The file stops being CSV at `line`: nothing from that record on can be trusted. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

export interface CsvFile {
  /** The file's base name, as reports and messages show it. */
  name: string;
  size: number;
  /** Records in file order; blank lines (and rows of nothing but commas) are passed over. */
  records(): AsyncGenerator<CsvRecord>;
  /** Bytes parsed so far, for progress. */
  bytesParsed(): number;
  close(): Promise<void>;
}

/** Guards against an unclosed quote swallowing the rest of a large file into one field in memory. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** Opens a file for reading, or explains in one line why it cannot be read. */
export async function openCsvFile(path: string): Promise<CsvFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  let size: number;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UsageError(`cannot read ${path}: not a file`);
    size = stat.size;
  } catch (error) {
    await handle.close();
    throw error instanceof UsageError ? error : unreadable(path, error);
  }

  let parser: Parser | undefined;
  return {
    name: basename(path),
    size,
    bytesParsed: () => parser?.info.bytes ?? 0,
    close: () => handle.close(),
    async *records() {
      const input = handle.createReadStream({ autoClose: false, start: 0 });
      const csv = new FaultTolerantParser({
        bom: true,
        // A row with the wrong number of fields is one refused row, not the end of the import.
        relax_column_count: true,
        // 12" in an unquoted cell is not worth refusing a whole file over.
        relax_quotes: true,
        // Listed rather than discovered from the first line, so a file mixing line endings still reads.
        record_delimiter: ['\r\n', '\n', '\r'],
        max_record_size: MAX_RECORD_BYTES,
      });
      parser = csv;
      // pipeline forwards a read error to the parser, which ends the loop below with it.
      pipeline(input, csv, () => {});
      let next = 1;
      try {
        for await (const item of csv as AsyncIterable<string[] | CsvFault>) {
          if (item instanceof CsvFault) throw new CsvSyntaxError(next, describeCsvError(item.error));
          const fields = item;
          const line = next;
          next += 1 + lineBreaks(fields);
          if (fields.every((f) => f.trim() === '')) continue;
          yield { line, fields };
        }
      } catch (error) {
        if (error instanceof CsvSyntaxError) throw error;
        throw unreadable(path, error);
      } finally {
        csv.destroy();
        input.destroy();
      }
    },
  };
}

class CsvFault {
  constructor(readonly error: CsvError) {}
}

/**
 * csv-parse fails its stream on a syntax error, and a failed stream drops the records it parsed but
 * had not yet handed over. This one ends cleanly instead, with the error as its last item, so every
 * record before the fault is still imported and the fault's line is exact.
 */
class FaultTolerantParser extends Parser {
  #failed = false;

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#failed) return callback();
    super._transform(chunk, encoding, (error?: Error | null) => this.#settle(error, callback));
  }

  override _flush(callback: TransformCallback): void {
    if (this.#failed) return callback();
    super._flush((error?: Error | null) => this.#settle(error, callback));
  }

  #settle(error: Error | null | undefined, callback: TransformCallback): void {
    if (!error) return callback();
    if (!(error instanceof CsvError)) return callback(error);
    this.#failed = true;
    this.push(new CsvFault(error));
    this.push(null);
    callback();
  }
}

/** Breaks inside quoted fields: CRLF, LF or a lone CR each end one physical line. */
function lineBreaks(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text follows the closing quote of a field (write "" for a quote inside a quoted field)';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB (an unclosed quote?)`;
    default:
      return error.message;
  }
}

function unreadable(path: string, error: unknown): UsageError {
  const code = (error as { code?: string } | null)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'not a file' : error instanceof Error ? error.message : String(error);
  return new UsageError(`cannot read ${path}: ${reason}`);
}
