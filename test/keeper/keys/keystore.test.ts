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
});
