/**
 * Times the local replica stack deployment (`deployLocalStack`: Ignition LocalStack module +
 * Uniswap pool seeding) on a fresh in-process Hardhat network, several times, and prints the
 * median. Run: `npx hardhat run scripts/bench-deploy.ts` (compiles first if needed).
 */
import { network } from "hardhat";
import { deployLocalStack } from "../deploy/lib/localStack.ts";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const connection = await network.create();
  const t0 = performance.now();
  await deployLocalStack(connection);
  times.push(performance.now() - t0);
  await connection.close();
}
times.sort((a, b) => a - b);
console.log(
  `local stack deployment (in-process, ${runs} fresh networks): median ${(times[runs >> 1] / 1000).toFixed(2)} s, min ${(times[0] / 1000).toFixed(2)} s, max ${(times[runs - 1] / 1000).toFixed(2)} s`,
);
