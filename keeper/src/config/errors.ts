/**
 * Typed configuration errors: every problem carries the field path (e.g.
 * `vaults[0].limits.maxTurnoverBps`) and a one-line reason. The CLI prints them and exits 2.
 */

/** One problem with the configuration. `path` is "" for the file as a whole. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** The `BALLAST__…` environment variable that set the offending value, if one did. */
  env?: string;
}

/** What went wrong: unreadable file, unparsable file, or a schema violation. */
export type ConfigErrorCode = "CONFIG_READ" | "CONFIG_PARSE" | "CONFIG_INVALID";

/** A configuration that cannot be used. Never thrown with a useful stack: print `issues`. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly issues: ConfigIssue[];
  /** The file the configuration came from, when it came from a file. */
  readonly source: string | undefined;

  constructor(code: ConfigErrorCode, issues: ConfigIssue[], source?: string) {
    super(formatIssues(issues, source));
    this.name = "ConfigError";
    this.code = code;
    this.issues = issues;
    this.source = source;
  }
}

/** Formats a zod-style path (`["vaults", 0, "limits"]`) as `vaults[0].limits`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][\w$-]*$/.test(seg))
      out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** One line per issue: `path: message` (the whole-file issues without a path prefix). */
export function formatIssues(issues: readonly ConfigIssue[], source?: string): string {
  const head = source ? `invalid configuration (${source})` : "invalid configuration";
  const lines = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  return lines.length === 1 ? `${head}: ${lines[0]}` : `${head}:\n  ${lines.join("\n  ")}`;
}
