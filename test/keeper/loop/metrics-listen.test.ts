import { expect } from "chai";
import net from "node:net";
import { Wallet } from "ethers";
import type { Provider } from "ethers";
import { LoopError, runLoop } from "../../../keeper/src/commands/run.ts";
import { loadConfig } from "../../../keeper/src/config/load.ts";
import { openJournal } from "../../../keeper/src/journal/journal.ts";
import { recordingLogger, testKeeperConfig } from "../../helpers/keeper.ts";

/**
 * `ballast run` when its metrics server cannot listen (the port is taken): the loop must not
 * start at all — no worker polls the chain, nothing is logged as started — and the error is a
 * configuration error (exit 2) naming `metrics.port` / `metrics.host` and the reason.
 */
describe("keeper loop: a metrics port that cannot be bound", function () {
  this.timeout(20_000);

  /** A TCP server holding a port on 127.0.0.1. */
  async function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as net.AddressInfo;
    return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it("a port in use: runLoop throws METRICS_LISTEN (exit 2) naming metrics.port, the host and 'address already in use', and no worker ever ticks", async function () {
    const busy = await holdPort();
    let polls = 0;
    // a chain that only counts how often the loop asks for the block number
    const provider = {
      getBlockNumber: async () => {
        polls++;
        throw new Error("no chain in this test");
      },
    } as unknown as Provider;
    const config = loadConfig(
      testKeeperConfig({
        networks: { local: { chainId: 31337, rpcUrls: ["http://127.0.0.1:1"] } },
        vaults: [
          {
            name: "main",
            network: "local",
            address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            lens: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
          },
        ],
        keyEnv: "UNUSED",
      }),
      {},
    );
    const journal = openJournal(":memory:");
    const logger = recordingLogger();
    try {
      const err = await runLoop(
        { provider, signer: Wallet.createRandom(), config, logger, journal },
        { metrics: { port: busy.port }, loop: { pollIntervalMs: 20 } },
      ).then(
        async (handle) => {
          await handle.stop();
          return null;
        },
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(LoopError);
      const e = err as LoopError;
      expect([e.code, e.exitCode]).to.deep.equal(["METRICS_LISTEN", 2]);
      expect(e.message).to.match(/^metrics\.port: /);
      expect(e.message).to.contain(`127.0.0.1:${busy.port}`);
      expect(e.message).to.contain("metrics.host");
      expect(e.message).to.contain("address already in use");
      expect(e.message).to.contain("EADDRINUSE");
      await new Promise((r) => setTimeout(r, 300));
      expect(polls, "a worker polled the chain: the loop started").to.equal(0);
      expect(logger.lines.map((l) => l.msg)).to.not.include("keeper loop started");
    } finally {
      journal.close();
      await busy.close();
    }
  });
});
