/**
 * Float-friendly `closeTo` / `approximately` for the keeper's numeric tests.
 *
 * Hardhat's chai matchers (installed on the first network connection of the test run) replace
 * chai's `closeTo` with a bigint version that converts every number argument to a bigint and
 * throws "… is not an integer" on fractional values. Whether a keeper test sees that version
 * depends on which test file happened to connect first. Importing this module makes it
 * deterministic: it forces the matchers' installation now, then wraps `closeTo`/`approximately`
 * once more so that plain numbers get chai's float comparison while bigints still go to
 * Hardhat's version. Import it (for its side effect) from every test that compares floats.
 */
import * as chai from "chai";
import { network } from "hardhat";

const connection = await network.create();
await connection.close();

chai.use((c, utils) => {
  for (const name of ["closeTo", "approximately"]) {
    c.Assertion.overwriteMethod(
      name,
      (_super: (...args: unknown[]) => void) =>
        function (this: Chai.AssertionStatic, expected: unknown, delta: unknown, msg?: string) {
          const actual: unknown = utils.flag(this, "object");
          if (
            typeof actual === "number" &&
            typeof expected === "number" &&
            typeof delta === "number"
          ) {
            if (msg !== undefined) utils.flag(this, "message", msg);
            this.assert(
              Math.abs(actual - expected) <= delta,
              `expected #{this} to be close to ${expected} +/- ${delta}`,
              `expected #{this} not to be close to ${expected} +/- ${delta}`,
              expected,
              actual,
            );
            return;
          }
          _super.apply(this, [expected, delta, msg]);
        },
    );
  }
});
