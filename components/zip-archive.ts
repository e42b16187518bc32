/**
 * Deterministic zip archives with Unix file modes, for Lambda deployment packages.
 *
 * Pulumi's own archives (`AssetArchive`, a directory `FileArchive`) write every entry 0644, so a
 * start script such as the Lambda Web Adapter's `run.sh` loses its executable bit and the adapter
 * fails with "permission denied". A `FileArchive` of a `.zip` file is sent to the provider byte for
 * byte, so the program writes the zip itself: entries sorted, one fixed timestamp, modes as given.
 * Equal files give equal bytes on every machine, so the archive's hash changes exactly when a
 * file does, and that hash is what redeploys the function.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { zipSync, type Zippable } from "fflate";

export interface ZipEntry {
  /** Path inside the archive, `/`-separated, relative. */
  readonly path: string;
  readonly data: Uint8Array | string;
  /**
   * Unix permission bits.
   * @default 0o644
   */
  readonly mode?: number;
}

export interface WrittenZip {
  /** Where the archive was written. */
  readonly file: string;
  /** SHA-256 of the archive, hex. */
  readonly sha256: string;
  /** SHA-256 of the archive, base64: Lambda's `sourceCodeHash`. */
  readonly base64Sha256: string;
  /** Size of the archive in bytes. */
  readonly bytes: number;
  /** Sum of the entries' sizes (Lambda allows 250 MB unzipped with the layers). */
  readonly unzippedBytes: number;
  readonly entries: number;
}

/** 1980-01-01 00:00, the earliest DOS time, built from local parts: zip stores local time. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** PKZIP "version made by" host: Unix, so readers apply the mode bits. */
const UNIX = 3;
const REGULAR_FILE = 0o100000;

/** Problems with a set of entries: bad paths and duplicates, each naming the path. */
export function zipEntryProblems(entries: readonly ZipEntry[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const parts = e.path.split("/");
    if (
      e.path === "" ||
      e.path.startsWith("/") ||
      e.path.includes("\\") ||
      parts.some((p) => p === "" || p === "." || p === "..")
    ) {
      problems.push(`${e.path}: not a relative path with / separators`);
    }
    if (seen.has(e.path)) problems.push(`${e.path}: listed twice`);
    seen.add(e.path);
    if (e.mode !== undefined && (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o7777)) {
      problems.push(`${e.path}: mode ${e.mode} is not a permission mask`);
    }
  }
  return problems;
}

/** The zip's bytes: entries in path order, deflated, fixed timestamp, Unix modes. */
export function zipBytes(entries: readonly ZipEntry[]): Uint8Array {
  const problems = zipEntryProblems(entries);
  if (problems.length > 0) throw new Error(`cannot zip:\n  ${problems.join("\n  ")}`);
  const tree: Zippable = {};
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const data = typeof e.data === "string" ? new TextEncoder().encode(e.data) : e.data;
    // External attributes: the Unix mode in the high 16 bits (unsigned: the type bit is bit 31).
    const attrs = ((REGULAR_FILE | (e.mode ?? 0o644)) * 0x10000) >>> 0;
    // Flat keys: fflate would nest on "/", and its nesting sorts differently on every engine.
    tree[e.path] = [data, { level: 6, mtime: FIXED_MTIME, os: UNIX, attrs }];
  }
  return zipSync(tree);
}

/**
 * Writes the entries' zip into `dir`, named by its own hash (so unchanged content is not
 * rewritten and several versions can sit side by side), and returns where and what.
 */
export function writeZip(
  dir: string,
  entries: readonly ZipEntry[],
  prefix = "package",
): WrittenZip {
  const bytes = zipBytes(entries);
  const sha = createHash("sha256").update(bytes);
  const hex = sha.copy().digest("hex");
  const file = path.join(dir, `${prefix}-${hex.slice(0, 16)}.zip`);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, bytes);
    fs.renameSync(temporary, file);
  }
  return {
    file,
    sha256: hex,
    base64Sha256: sha.digest("base64"),
    bytes: bytes.byteLength,
    unzippedBytes: entries.reduce(
      (sum, e) =>
        sum + (typeof e.data === "string" ? Buffer.byteLength(e.data) : e.data.byteLength),
      0,
    ),
    entries: entries.length,
  };
}
