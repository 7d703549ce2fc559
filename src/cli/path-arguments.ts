import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./usage-error";

/**
 * What a path argument is for: `file` is read (a file, FIFO or device: not a directory),
 * `file-or-dir` is read (either), `out-dir` is a directory written to (created with its
 * missing parents), `out-file` is a file written to (created in an existing directory).
 */
export type PathUse = "file" | "file-or-dir" | "out-dir" | "out-file";

/**
 * Checks the path of `--FLAG PATH` before the command does anything, so that a path that
 * cannot serve its use is a usage error (exit 2) of one line, `COMMAND: --FLAG PATH PROBLEM`
 * (PROBLEM: does not exist, is a directory, is not a directory, is not readable / writable,
 * cannot be created: ...), instead of a system error (EISDIR, EEXIST) once the run is under way.
 */
export function checkPath(command: string, flag: string, file: string, use: PathUse): void {
  const problem = pathProblem(file, use);
  if (problem !== null) throw new UsageError(`${command}: --${flag} ${file} ${problem}`);
}

/**
 * The paths `run` and `stream` both take: the input (a file; `-` is stdin), the output
 * directory, and a rates snapshot (a file or directory; `oxr` is the API).
 */
export function checkJobPaths(command: string, paths: { readonly input?: string; readonly out: string; readonly rates?: string }): void {
  if (paths.input !== undefined && paths.input !== "-") checkPath(command, "input", paths.input, "file");
  checkPath(command, "out", paths.out, "out-dir");
  if (paths.rates !== undefined && paths.rates !== "oxr") checkPath(command, "rates", paths.rates, "file-or-dir");
}

/** Why `file` cannot serve `use` (see checkPath), or null when it can. */
function pathProblem(file: string, use: PathUse): string | null {
  const stat = statOrNull(file);
  if (stat === null && isSymlink(file)) return "is a symbolic link to nothing";
  if (use === "file" || use === "file-or-dir") {
    if (stat === null) return "does not exist";
    if (use === "file" && stat.isDirectory()) return "is a directory";
    return canAccess(file, fs.constants.R_OK) ? null : "is not readable";
  }
  if (stat !== null) {
    if (use === "out-dir" && !stat.isDirectory()) return "is not a directory";
    if (use === "out-file" && stat.isDirectory()) return "is a directory";
    return canAccess(file, fs.constants.W_OK) ? null : "is not writable";
  }
  // Missing, so it will be created: in its directory (out-file), or in the nearest existing ancestor (out-dir).
  let parent = path.dirname(path.resolve(file));
  if (use === "out-dir") while (statOrNull(parent) === null && parent !== path.dirname(parent)) parent = path.dirname(parent);
  const parentStat = statOrNull(parent);
  if (parentStat === null) return `cannot be created: directory ${parent} does not exist`;
  if (!parentStat.isDirectory()) return `cannot be created: ${parent} is not a directory`;
  return canAccess(parent, fs.constants.W_OK) ? null : `cannot be created: ${parent} is not writable`;
}

/** `fs.statSync(file)`, or null when it fails (missing, a file as a parent, no search permission). */
function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function canAccess(file: string, mode: number): boolean {
  try {
    fs.accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}
