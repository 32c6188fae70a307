import { expect } from "chai";
import { createLogger } from "../../../keeper/src/log/logger.ts";

describe("keeper logger", () => {
  it("writes JSON lines and redacts private keys and passwords at any of three depths", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      base: { vault: "main" },
      destination: { write: (s: string) => void lines.push(s) },
    });
    log.info(
      {
        privateKey: "0xSECRET1",
        signer: { password: "SECRET2", address: "0xabc" },
        a: { b: { mnemonic: "SECRET3" } },
      },
      "hello",
    );
    log.debug({ x: 1 }, "hidden at info");
    expect(lines).to.have.length(1);
    const rec = JSON.parse(lines[0]);
    expect(rec.msg).to.equal("hello");
    expect(rec.vault).to.equal("main");
    expect(rec.signer.address).to.equal("0xabc");
    expect(lines[0]).to.not.match(/SECRET/);
    expect(rec.privateKey).to.equal("[redacted]");
  });
});
