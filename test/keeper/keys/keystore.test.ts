import { expect } from "chai";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  KeyError,
  createKeystore,
  decryptKeystore,
  inspectKeystore,
  loadSigner,
  privateKeyProblem,
  signerIssues,
} from "../../../keeper/src/keys/keystore.ts";

// Low scrypt cost for speed; production keystores use ethers' default (N = 131072).
const FAST = { scryptN: 1024 };
const DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

async function rejection(p: Promise<unknown>): Promise<KeyError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(KeyError);
    return e as KeyError;
  }
  expect.fail("expected a KeyError");
}

describe("keeper keystore", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-keys-"));

  it("create → inspect → decrypt round trip (file mode 0600, no secret in inspect)", async () => {
    const file = path.join(dir, "a", "k.json");
    const { address } = await createKeystore(file, "pw", FAST);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const info = inspectKeystore(file);
    expect(info.address).to.equal(address);
    expect(info.kdf).to.equal("scrypt");
    expect(JSON.stringify(info)).to.not.match(/ciphertext|privateKey/i);
    const w = await decryptKeystore(file, "pw");
    expect(w.address).to.equal(address);
  });

  it("refuses to overwrite, an empty password, a wrong password, missing and malformed files", async () => {
    const file = path.join(dir, "b.json");
    await createKeystore(file, "pw", FAST);
    expect((await rejection(createKeystore(file, "pw", FAST))).code).to.equal("KEYSTORE_EXISTS");
    expect((await rejection(createKeystore(path.join(dir, "c.json"), "", FAST))).code).to.equal(
      "BAD_PASSWORD",
    );
    expect((await rejection(decryptKeystore(file, "wrong"))).code).to.equal("BAD_PASSWORD");
    expect((await rejection(decryptKeystore(path.join(dir, "none.json"), "pw"))).code).to.equal(
      "KEYSTORE_READ",
    );
    const junk = path.join(dir, "junk.json");
    writeFileSync(junk, '{"hello":1}');
    expect(() => inspectKeystore(junk)).to.throw(KeyError, /not an encrypted JSON keystore/);
    const created = await createKeystore(file, "pw2", { ...FAST, force: true });
    expect((await decryptKeystore(file, "pw2")).address).to.equal(created.address);
  });

  it("loadSigner: keystore with the password from the named env var, no warning", async () => {
    const file = path.join(dir, "s.json");
    const { address } = await createKeystore(file, "hunter2", FAST);
    const s = await loadSigner(
      { kind: "keystore", keystore: file, passwordEnv: "PW" },
      { PW: "hunter2" },
    );
    expect(s.wallet.address).to.equal(address);
    expect(s.warnings).to.deep.equal([]);
    const e = await rejection(
      loadSigner({ kind: "keystore", keystore: file, passwordEnv: "PW" }, {}),
    );
    expect(e.code).to.equal("MISSING_ENV");
    expect(e.message).to.contain("PW");
  });

  it("loadSigner: a raw key works only with a warning, and a bad key never echoes the secret", async () => {
    const raw = { kind: "raw", privateKeyEnv: "DEV_KEY", allowRawKey: true } as const;
    const s = await loadSigner(raw, { DEV_KEY: DEV_KEY.slice(2) });
    expect(s.wallet.address).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect(s.warnings).to.have.length(1);
    expect(s.warnings[0]).to.match(/RAW private key.*local development only/);
    expect(s.warnings[0]).to.not.contain(DEV_KEY.slice(2));
    const e = await rejection(loadSigner(raw, { DEV_KEY: "0x1234secretish" }));
    expect(e.code).to.equal("BAD_KEY");
    expect(e.message).to.not.contain("1234secretish");
  });

  it("privateKeyProblem: 32 bytes of hex, no whitespace, non-zero, below the curve order; never echoes the key", () => {
    expect(privateKeyProblem(DEV_KEY)).to.equal(null);
    expect(privateKeyProblem(DEV_KEY.slice(2))).to.equal(null);
    expect(privateKeyProblem(`0X${DEV_KEY.slice(2)}`)).to.equal(null);
    const n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    expect(privateKeyProblem(`0x${(BigInt(`0x${n}`) - 1n).toString(16)}`)).to.equal(null);
    const bad: [string, RegExp][] = [
      ["0x1234", /has 4 hex digits, a private key has 64 \(32 bytes\)/],
      [`0x${"00".repeat(32)}`, /is zero/],
      [`0x${"ZZ".repeat(32)}`, /not hex digits/],
      [` ${DEV_KEY}`, /leading or trailing whitespace/],
      [`${DEV_KEY}\n`, /leading or trailing whitespace/],
      [`0x${n}`, /not below the secp256k1 curve order/],
      [`0x${"f".repeat(64)}`, /not below the secp256k1 curve order/],
      [`${DEV_KEY}00`, /has 66 hex digits/],
    ];
    for (const [key, why] of bad) {
      const p = privateKeyProblem(key);
      expect(p, JSON.stringify(key)).to.match(why);
      expect(p).to.not.contain(key.trim().slice(2, 10));
    }
  });

  it("signerIssues (config check, no password): a raw key's env var that is not a valid key, a keystore file that is missing or not a keystore, each named by its field", async () => {
    const raw = { kind: "raw", privateKeyEnv: "DEV_KEY", allowRawKey: true } as const;
    expect(signerIssues(raw, {})).to.deep.equal([]); // unset: a warning of the CLI, no issue
    expect(signerIssues(raw, { DEV_KEY })).to.deep.equal([]);
    for (const key of ["0x1234", `0x${"00".repeat(32)}`, `0x${"ZZ".repeat(32)}`, ` ${DEV_KEY}`]) {
      const issues = signerIssues(raw, { DEV_KEY: key });
      expect(issues, key).to.have.length(1);
      expect(issues[0].path).to.equal("signer.privateKeyEnv");
      expect(issues[0].message).to.match(
        /^environment variable DEV_KEY does not hold a valid 32-byte hex private key: it /,
      );
    }
    const good = path.join(dir, "issues-good.json");
    await createKeystore(good, "pw", FAST);
    const ks = (file: string) => ({ kind: "keystore", keystore: file, passwordEnv: "PW" }) as const;
    expect(signerIssues(ks(good), {})).to.deep.equal([]);
    const missing = path.join(dir, "no-such-keystore.json");
    expect(signerIssues(ks(missing), {})).to.deep.equal([
      { path: "signer.keystore", message: `${missing}: file not found` },
    ]);
    const notJson = path.join(dir, "not-json.json");
    writeFileSync(notJson, "hello");
    expect(signerIssues(ks(notJson), {})).to.deep.equal([
      { path: "signer.keystore", message: `${notJson} is not JSON` },
    ]);
    const noCrypto = path.join(dir, "no-crypto.json");
    writeFileSync(noCrypto, '{"address":"70997970c51812dc3a010c7d01b50e0d17dc79c8"}');
    expect(signerIssues(ks(noCrypto), {})[0].message).to.match(/not an encrypted JSON keystore/);
    expect(signerIssues(ks(dir), {})[0]).to.deep.include({ path: "signer.keystore" });
  });

  it("loadSigner names the config field: a missing keystore file is signer.keystore, a bad raw key says why", async () => {
    const missing = path.join(dir, "gone.json");
    const e = await rejection(
      loadSigner({ kind: "keystore", keystore: missing, passwordEnv: "PW" }, { PW: "x" }),
    );
    expect([e.code, e.message]).to.deep.equal([
      "KEYSTORE_READ",
      `signer.keystore: ${missing}: file not found`,
    ]);
    const raw = { kind: "raw", privateKeyEnv: "DEV_KEY", allowRawKey: true } as const;
    const z = await rejection(loadSigner(raw, { DEV_KEY: `0x${"00".repeat(32)}` }));
    expect([z.code, z.message]).to.deep.equal([
      "BAD_KEY",
      "DEV_KEY does not hold a valid 32-byte hex private key: it is zero (not a valid secp256k1 private key)",
    ]);
    const ws = await rejection(loadSigner(raw, { DEV_KEY: ` ${DEV_KEY}` }));
    expect(ws.message).to.match(/leading or trailing whitespace$/);
  });
});
