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

/**
 * Loads the signer the config names: the keystore with the password from `env[passwordEnv]`,
 * or (local development only) a raw key from `env[privateKeyEnv]`, which adds a warning.
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
    return { wallet: await decryptKeystore(signer.keystore, password), warnings: [] };
  }
  const key = env[signer.privateKeyEnv];
  if (key === undefined || key === "")
    throw new KeyError(
      "MISSING_ENV",
      `environment variable ${signer.privateKeyEnv} (private key) is not set`,
    );
  let wallet: Wallet;
  try {
    wallet = new Wallet(key.startsWith("0x") ? key : `0x${key}`);
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
