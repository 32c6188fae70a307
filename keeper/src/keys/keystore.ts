/**
 * Encrypted JSON keystores (ethers v6, Web3 Secret Storage v3 with scrypt) and the keeper's
 * signer loading. Production keystores use ethers' default scrypt cost (N = 2^17); tests pass a
 * low `scryptN` to stay fast — never use a low cost for a real key.
 */
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { Wallet, encryptKeystoreJson, getAddress } from "ethers";
import type { SignerConfig } from "../config/schema.ts";

/** Error codes of {@link KeyError}. */
export type KeyErrorCode =
  | "KEYSTORE_EXISTS"
  | "KEYSTORE_READ"
  | "KEYSTORE_INVALID"
  | "BAD_PASSWORD"
  | "MISSING_ENV"
  | "BAD_KEY";

/** A key or keystore problem; the message never contains secret material. */
export class KeyError extends Error {
  readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string) {
    super(message);
    this.name = "KeyError";
    this.code = code;
  }
}

/** Options of {@link createKeystore}. */
export interface CreateKeystoreOptions {
  /** scrypt N (power of two). Default: ethers' production default (131072). Tests only: lower. */
  scryptN?: number;
  /** Overwrite an existing file (default false: refuse). */
  force?: boolean;
}

/** Public facts about a keystore file (no secrets). */
export interface KeystoreInfo {
  file: string;
  address: string;
  version: number | null;
  kdf: string | null;
  cipher: string | null;
  id: string | null;
}

/**
 * Creates a random key, encrypts it with `password` and writes the keystore JSON to `file`
 * (mode 0600, parent directories created). Refuses to overwrite unless `force`. Returns the
 * address.
 */
export async function createKeystore(
  file: string,
  password: string,
  options: CreateKeystoreOptions = {},
): Promise<{ address: string; file: string }> {
  if (password.length === 0) throw new KeyError("BAD_PASSWORD", "the keystore password is empty");
  const out = path.resolve(file);
  if (existsSync(out) && !options.force)
    throw new KeyError("KEYSTORE_EXISTS", `${out} already exists (refusing to overwrite a key)`);
  const wallet = Wallet.createRandom();
  const json =
    options.scryptN === undefined
      ? await wallet.encrypt(password)
      : await encryptKeystoreJson(
          { address: wallet.address, privateKey: wallet.privateKey },
          password,
          { scrypt: { N: options.scryptN } },
        );
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, json + "\n", { mode: 0o600, flag: options.force ? "w" : "wx" });
  return { address: wallet.address, file: out };
}

/** Reads the public fields of a keystore (address, kdf, cipher) without decrypting it. */
export function inspectKeystore(file: string): KeystoreInfo {
  const abs = path.resolve(file);
  const json = readKeystoreJson(abs);
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new KeyError("KEYSTORE_INVALID", `${abs} is not JSON`);
  }
  const crypto = (data.crypto ?? data.Crypto) as Record<string, unknown> | undefined;
  if (typeof data.address !== "string" || !crypto)
    throw new KeyError(
      "KEYSTORE_INVALID",
      `${abs} is not an encrypted JSON keystore (no address/crypto)`,
    );
  let address: string;
  try {
    address = getAddress(data.address.startsWith("0x") ? data.address : `0x${data.address}`);
  } catch {
    throw new KeyError("KEYSTORE_INVALID", `${abs} has a malformed address`);
  }
  return {
    file: abs,
    address,
    version: typeof data.version === "number" ? data.version : null,
    kdf: typeof crypto.kdf === "string" ? crypto.kdf : null,
    cipher: typeof crypto.cipher === "string" ? crypto.cipher : null,
    id: typeof data.id === "string" ? data.id : null,
  };
}

/** Decrypts a keystore file. Throws KeyError BAD_PASSWORD on a wrong password. */
export async function decryptKeystore(file: string, password: string): Promise<Wallet> {
  const abs = path.resolve(file);
  const json = readKeystoreJson(abs);
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return w instanceof Wallet ? w : new Wallet(w.privateKey);
  } catch (e) {
    const msg = (e as Error).message ?? "";
    if (/password/i.test(msg)) throw new KeyError("BAD_PASSWORD", `wrong password for ${abs}`);
    throw new KeyError("KEYSTORE_INVALID", `cannot decrypt ${abs}: ${msg.split("(")[0].trim()}`);
  }
}

/** The keeper's signer and the warnings the CLI must print (raw key). */
export interface LoadedSigner {
  wallet: Wallet;
  warnings: string[];
}

/** Order n of the secp256k1 group: a private key is an integer in [1, n − 1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Why `text` is not a usable raw private key, in words that never echo it, or null when it is
 * one: 32 bytes of hex (64 digits, an optional 0x), no surrounding whitespace, not zero, below
 * the secp256k1 curve order.
 */
export function privateKeyProblem(text: string): string | null {
  if (text !== text.trim()) return "it has leading or trailing whitespace";
  const hex = /^0x/i.test(text) ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]*$/.test(hex)) return "it contains characters that are not hex digits";
  if (hex.length !== 64)
    return `it has ${hex.length} hex digit${hex.length === 1 ? "" : "s"}, a private key has 64 (32 bytes)`;
  const k = BigInt(`0x${hex}`);
  if (k === 0n) return "it is zero (not a valid secp256k1 private key)";
  if (k >= SECP256K1_N) return "it is not below the secp256k1 curve order";
  return null;
}

/** A signer problem found without a password: the config field (or env var) and the reason. */
export interface SignerIssue {
  path: string;
  message: string;
}

/**
 * What can be checked of the configured signer without its password (`ballast config check`):
 * the keystore file exists and parses as an encrypted JSON keystore (`signer.keystore`); a raw
 * key's environment variable, when set, holds a valid secp256k1 private key
 * (`signer.privateKeyEnv`, naming the variable). An unset variable is no issue here (the CLI
 * warns about it: status runs without it).
 */
export function signerIssues(
  signer: SignerConfig,
  env: Record<string, string | undefined> = process.env,
): SignerIssue[] {
  if (signer.kind === "keystore") {
    try {
      const info = inspectKeystore(signer.keystore);
      if (info.kdf === null || info.cipher === null)
        return [
          {
            path: "signer.keystore",
            message: `${info.file} is not an encrypted JSON keystore (no crypto.kdf / crypto.cipher)`,
          },
        ];
    } catch (e) {
      if (!(e instanceof KeyError)) throw e;
      return [{ path: "signer.keystore", message: e.message }];
    }
    return [];
  }
  const key = env[signer.privateKeyEnv];
  if (key === undefined || key === "") return [];
  const why = privateKeyProblem(key);
  return why === null
    ? []
    : [
        {
          path: "signer.privateKeyEnv",
          message: `environment variable ${signer.privateKeyEnv} does not hold a valid 32-byte hex private key: ${why}`,
        },
      ];
}

/**
 * Loads the signer the config names: the keystore with the password from `env[passwordEnv]`,
 * or (local development only) a raw key from `env[privateKeyEnv]`, which adds a warning. A
 * keystore that cannot be read or decoded is named by its config field (`signer.keystore: …`).
 */
export async function loadSigner(
  signer: SignerConfig,
  env: Record<string, string | undefined> = process.env,
): Promise<LoadedSigner> {
  if (signer.kind === "keystore") {
    const password = env[signer.passwordEnv];
    if (password === undefined || password === "")
      throw new KeyError(
        "MISSING_ENV",
        `environment variable ${signer.passwordEnv} (keystore password) is not set`,
      );
    try {
      return { wallet: await decryptKeystore(signer.keystore, password), warnings: [] };
    } catch (e) {
      if (!(e instanceof KeyError)) throw e;
      const field =
        e.code === "BAD_PASSWORD"
          ? `signer.passwordEnv (environment variable ${signer.passwordEnv})`
          : "signer.keystore";
      throw new KeyError(e.code, `${field}: ${e.message}`);
    }
  }
  const key = env[signer.privateKeyEnv];
  if (key === undefined || key === "")
    throw new KeyError(
      "MISSING_ENV",
      `environment variable ${signer.privateKeyEnv} (private key) is not set`,
    );
  const why = privateKeyProblem(key);
  if (why !== null)
    throw new KeyError(
      "BAD_KEY",
      `${signer.privateKeyEnv} does not hold a valid 32-byte hex private key: ${why}`,
    );
  let wallet: Wallet;
  try {
    wallet = new Wallet(`0x${key.slice(/^0x/i.test(key) ? 2 : 0)}`);
  } catch {
    throw new KeyError(
      "BAD_KEY",
      `${signer.privateKeyEnv} does not hold a valid 32-byte hex private key`,
    );
  }
  return {
    wallet,
    warnings: [
      `signer ${wallet.address}: RAW private key from $${signer.privateKeyEnv} — local development only; use an encrypted keystore (ballast keys create) in production`,
    ],
  };
}

function readKeystoreJson(abs: string): string {
  try {
    return readFileSync(abs, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyError(
      "KEYSTORE_READ",
      code === "ENOENT" ? `${abs}: file not found` : `cannot read ${abs} (${code})`,
    );
  }
}
