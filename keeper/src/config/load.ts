/**
 * Loads the keeper configuration: a YAML (`.yaml`/`.yml`) or JSON (`.json`) file, or an object,
 * then `BALLAST__…` environment overrides, then validation ({@link keeperConfigSchema}).
 *
 * Environment overrides: `BALLAST__<seg>__<seg>…=value` sets the field at that path before
 * validation; segments are case-sensitive and match the file's keys, a numeric segment indexes
 * an array. Values: `true`/`false` → boolean, a decimal number → number, text starting with
 * `[`, `{` or `"` → JSON, anything else → string. Examples:
 *   BALLAST__networks__mainnet__rpcUrls__0=https://rpc.example
 *   BALLAST__vaults__0__limits__maxTurnoverBps=2500
 *   BALLAST__networks__mainnet__rpcUrls='["https://a","https://b"]'
 *
 * Relative paths (`signer.keystore`, `journal.path`) resolve against the config file's
 * directory (against `cwd` for an object).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError, formatPath } from "./errors.ts";
import type { ConfigIssue } from "./errors.ts";
import { keeperConfigSchema } from "./schema.ts";
import type { KeeperConfig } from "./schema.ts";

/** Prefix of the environment overrides. */
export const ENV_PREFIX = "BALLAST__";

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** Base directory for relative paths when `source` is an object (default `process.cwd()`). */
  baseDir?: string;
}

/**
 * Reads, overrides and validates a configuration. `source` is a file path or an already parsed
 * object (not mutated). Throws {@link ConfigError} (code CONFIG_READ, CONFIG_PARSE or
 * CONFIG_INVALID, with `issues`) on any problem.
 */
export function loadConfig(
  source: string | Record<string, unknown>,
  env: Record<string, string | undefined> = process.env,
  options: LoadOptions = {},
): KeeperConfig {
  const file = typeof source === "string" ? path.resolve(source) : undefined;
  const raw =
    typeof source === "string" ? readConfigFile(path.resolve(source)) : structuredClone(source);
  const overridden = applyEnvOverrides(raw, env, file);
  const parsed = keeperConfigSchema.safeParse(overridden);
  if (!parsed.success) {
    const issues: ConfigIssue[] = [];
    const seen = new Set<string>();
    for (const i of parsed.error.issues) {
      const where = formatPath(i.path);
      // one issue per field: the first (later checks of a value already refused add nothing)
      if (seen.has(where)) continue;
      seen.add(where);
      const keys = i.code === "unrecognized_keys" ? i.keys : [];
      const variable = overrideOf(i.path, keys, env);
      const message = issueMessage(i, overridden);
      issues.push({
        path: where,
        message:
          variable === undefined ? message : `${message} (from environment variable ${variable})`,
        ...(variable === undefined ? {} : { env: variable }),
      });
    }
    throw new ConfigError("CONFIG_INVALID", issues, file);
  }
  const baseDir = file ? path.dirname(file) : (options.baseDir ?? process.cwd());
  return resolvePaths(parsed.data, baseDir);
}

/** What zod names a type in its default messages → how the config's messages say it. */
const TYPE_WORDS: Record<string, string> = {
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  boolean: "true or false",
  null: "null",
  nan: "NaN",
};

/** Whether the field at `at` is absent from `root` (its parent exists and lacks it). */
function isMissing(root: unknown, at: readonly PropertyKey[]): boolean {
  let node: unknown = root;
  for (const seg of at) {
    if (node === null || typeof node !== "object") return false;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node === undefined;
}

/**
 * The message of one zod issue in the config's words: a field that is absent says it is a
 * required field that is missing (with what it must be), and zod's own default wording
 * ("Invalid input: expected object, received string") becomes "must be a mapping (got a string)".
 */
function issueMessage(
  i: { code: string; path: PropertyKey[]; message: string },
  root: unknown,
): string {
  let msg = i.message;
  const raw = /^Invalid input: expected (\w+), received (\w+)$/.exec(msg);
  if (raw !== null) {
    const got = raw[2] === "undefined" ? "" : ` (got ${TYPE_WORDS[raw[2]] ?? raw[2]})`;
    msg = `must be ${TYPE_WORDS[raw[1]] ?? raw[1]}${got}`;
  }
  const typeIssue =
    i.code === "invalid_type" || i.code === "invalid_union" || i.code === "invalid_value";
  if (typeIssue && i.path.length > 0 && isMissing(root, i.path))
    return `required field is missing (${msg})`;
  return msg;
}

/** Reads and parses a YAML or JSON file (by extension) into a plain object. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : `cannot read file (${code ?? String(e)})`;
    throw new ConfigError("CONFIG_READ", [{ path: "", message: reason }], file);
  }
  const ext = path.extname(file).toLowerCase();
  let data: unknown;
  try {
    if (ext === ".json") data = JSON.parse(text);
    else if (ext === ".yaml" || ext === ".yml") data = parseYaml(text);
    else
      throw new ConfigError(
        "CONFIG_READ",
        [{ path: "", message: `unknown extension "${ext}" (use .yaml, .yml or .json)` }],
        file,
      );
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const msg = (e as Error).message.split("\n")[0];
    throw new ConfigError("CONFIG_PARSE", [{ path: "", message: `cannot parse: ${msg}` }], file);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new ConfigError(
      "CONFIG_PARSE",
      [{ path: "", message: "the top level must be a mapping (networks, vaults, signer, ...)" }],
      file,
    );
  return data as Record<string, unknown>;
}

/** Parses one override value (see the module doc). */
export function parseEnvValue(value: string): unknown {
  const v = value.trim();
  if (v === "true") return true;
  if (v === "false") return false;
  if (/^-?\d+(\.\d+)?$/.test(v) && Number.isFinite(Number(v))) return Number(v);
  if (v.startsWith("[") || v.startsWith("{") || v.startsWith('"')) {
    try {
      return JSON.parse(v);
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * Returns a copy of `raw` with every `BALLAST__a__b__0__c` variable of `env` applied (sorted by
 * name, so the result does not depend on the environment's order). Throws a ConfigError naming
 * the variable when a path cannot be applied (e.g. indexing into a string).
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  source?: string,
): Record<string, unknown> {
  const out = structuredClone(raw);
  const names = Object.keys(env)
    .filter((k) => k.startsWith(ENV_PREFIX) && env[k] !== undefined)
    .sort();
  // array elements set past the end (checked once every override is applied: they may fill in)
  const pastEnd: { name: string; array: string[]; index: number }[] = [];
  for (const name of names) {
    const segs = name.slice(ENV_PREFIX.length).split("__");
    if (segs.some((s) => s === "") || segs.some(isUnsafeKey)) {
      throw new ConfigError(
        "CONFIG_INVALID",
        [{ path: "", message: `environment variable ${name}: empty or reserved path segment` }],
        source,
      );
    }
    let node: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      const last = i === segs.length - 1;
      const key: string | number = Array.isArray(node) ? Number(seg) : seg;
      if (Array.isArray(node) && !/^\d+$/.test(seg)) {
        throw new ConfigError(
          "CONFIG_INVALID",
          [
            {
              path: formatPath(segs.slice(0, i + 1)),
              message: `environment variable ${name}: "${seg}" is not an array index`,
            },
          ],
          source,
        );
      }
      if (Array.isArray(node) && Number(seg) > node.length)
        pastEnd.push({ name, array: segs.slice(0, i), index: Number(seg) });
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[key] = parseEnvValue(env[name] as string);
        break;
      }
      let next = container[key];
      if (next === undefined || next === null) {
        next = /^\d+$/.test(segs[i + 1]) ? [] : {};
        container[key] = next;
      }
      if (typeof next !== "object") {
        throw new ConfigError(
          "CONFIG_INVALID",
          [
            {
              path: formatPath(pathOf(segs.slice(0, i + 1))),
              message: `environment variable ${name}: cannot set a field inside a ${typeof next}`,
            },
          ],
          source,
        );
      }
      node = next as Record<string, unknown> | unknown[];
    }
  }
  for (const p of pastEnd) {
    const issue = pastEndIssue(out, p);
    if (issue !== null) throw new ConfigError("CONFIG_INVALID", [issue], source);
  }
  return out;
}

/**
 * The issue of an override that set element `index` of an array past its end, leaving a gap
 * no other override filled (each gap would otherwise be reported as a missing entry of its
 * own), or null when the array has no gap below `index` after all overrides.
 */
function pastEndIssue(
  root: Record<string, unknown>,
  p: { name: string; array: string[]; index: number },
): ConfigIssue | null {
  let node: unknown = root;
  for (const seg of p.array) {
    if (node === null || typeof node !== "object") return null;
    node = (node as Record<string, unknown>)[seg];
  }
  if (!Array.isArray(node)) return null;
  let have = 0;
  while (have < p.index && have in node) have++;
  if (have === p.index) return null;
  const at = formatPath(pathOf(p.array));
  const exist =
    have === 0
      ? `${at} has no entries`
      : `only ${have} ${have === 1 ? "entry exists" : "entries exist"} (${at}[0]${have > 1 ? `…${at}[${have - 1}]` : ""})`;
  return {
    path: at,
    message:
      `environment variable ${p.name} names ${at}[${p.index}], but ${exist}: an override ` +
      `can change an existing entry or add the next one, ${at}[${have}]`,
    env: p.name,
  };
}

/**
 * The `BALLAST__…` variable that set the value at `issuePath` (the last applied one whose path is
 * `issuePath` or a prefix of it, or, for an unknown-key issue, `issuePath` + one of `keys`), or
 * undefined when the value came from the file.
 */
export function overrideOf(
  issuePath: readonly PropertyKey[],
  keys: readonly string[],
  env: Record<string, string | undefined>,
): string | undefined {
  const target = issuePath.map(String);
  const names = Object.keys(env)
    .filter((k) => k.startsWith(ENV_PREFIX) && env[k] !== undefined)
    .sort()
    .reverse();
  return names.find((name) => {
    const segs = name.slice(ENV_PREFIX.length).split("__");
    const prefix = segs.length <= target.length && segs.every((s, i) => s === target[i]);
    const unknownKey =
      segs.length === target.length + 1 &&
      keys.includes(segs[segs.length - 1]) &&
      target.every((s, i) => s === segs[i]);
    return prefix || unknownKey;
  });
}

function pathOf(segs: string[]): (string | number)[] {
  return segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function isUnsafeKey(s: string): boolean {
  return s === "__proto__" || s === "constructor" || s === "prototype";
}

function resolvePaths(config: KeeperConfig, baseDir: string): KeeperConfig {
  const signer =
    config.signer.kind === "keystore"
      ? { ...config.signer, keystore: path.resolve(baseDir, config.signer.keystore) }
      : config.signer;
  return { ...config, signer, journal: { path: path.resolve(baseDir, config.journal.path) } };
}

/**
 * Warnings an operator must see about a valid configuration (printed by the CLI on stderr):
 * a raw private key from the environment is for local development only.
 */
export function configWarnings(config: KeeperConfig): string[] {
  const out: string[] = [];
  if (config.signer.kind === "raw")
    out.push(
      `signer: using a RAW private key from $${config.signer.privateKeyEnv} — local development only; use an encrypted keystore in production`,
    );
  return out;
}

/**
 * The configuration as JSON-safe data with secrets redacted (bigint → decimal string). The
 * file itself holds no secrets (only env var NAMES), but URLs may embed API keys: their path
 * and query are masked.
 */
export function redactedConfig(config: KeeperConfig): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (typeof value === "bigint") return value.toString();
      if (
        (key === "privateRpcUrl" || /^\d+$/.test(key) || key === "rpcUrls") &&
        typeof value === "string"
      )
        return redactUrl(value);
      return value;
    }),
  );
}

/** Masks credentials, path and query of a URL (API keys often live there). */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    const hidden = url.username || url.password || url.pathname.length > 1 || url.search;
    return hidden ? `${url.protocol}//${url.host}/***` : `${url.protocol}//${url.host}`;
  } catch {
    return u;
  }
}
