import { expect } from "chai";
import { getAddress } from "ethers";
import { readFileSync } from "node:fs";
import { network } from "hardhat";
import {
  addressesFor,
  ARBITRUM,
  MAINNET,
  NONE,
  realNetworkParameters,
  UnknownChainError,
} from "../../deploy/addresses.ts";
import type { RealNetworkAddresses } from "../../deploy/addresses.ts";
import { parametersFilePath, parametersFileText } from "../../deploy/lib/write-parameters.ts";
import RealNetworkModule from "../../deploy/modules/RealNetwork.ts";

/** Every address leaf of a network record, with its dotted path. */
function leaves(network: RealNetworkAddresses): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const group of ["tokens", "uniswap", "aave", "chainlink"] as const) {
    for (const [key, value] of Object.entries(network[group])) out.push([`${group}.${key}`, value]);
  }
  return out;
}

describe("real-network addresses", function () {
  for (const net of [MAINNET, ARBITRUM]) {
    it(`${net.name}: deploy/parameters/${net.name}.json matches addresses.ts`, function () {
      const onDisk = readFileSync(parametersFilePath(net), "utf8");
      expect(onDisk, "run: node deploy/lib/write-parameters.ts").to.equal(parametersFileText(net));
      expect(JSON.parse(onDisk)).to.deep.equal(realNetworkParameters(net));
    });

    it(`${net.name}: every address is EIP-55 checksummed and distinct`, function () {
      const seen = new Map<string, string>();
      for (const [where, address] of leaves(net)) {
        expect(getAddress(address), where).to.equal(address);
        if (address === NONE) continue;
        // The Uniswap contracts share addresses across chains, never within one chain.
        expect(seen.get(address), `${where} duplicates ${seen.get(address)}`).to.equal(undefined);
        seen.set(address, where);
      }
    });
  }

  it("chain-specific feeds are present exactly where they exist", function () {
    expect(MAINNET.chainlink.sequencerUptime).to.equal(NONE);
    expect(ARBITRUM.chainlink.sequencerUptime).to.not.equal(NONE);
    expect(MAINNET.chainlink.wbtcBtc).to.not.equal(NONE);
    expect(ARBITRUM.chainlink.wbtcUsd).to.not.equal(NONE);
    expect(addressesFor(42161)).to.equal(ARBITRUM);
    expect(() => addressesFor(10)).to.throw(UnknownChainError);
  });

  it("the RealNetwork module exposes every parameter as a contract future", async function () {
    const { ignition } = await network.create();
    const contracts = await ignition.deploy(RealNetworkModule, {
      parameters: parametersFilePath(ARBITRUM),
    });
    const params = realNetworkParameters(ARBITRUM).RealNetwork;
    const keys = Object.keys(contracts);
    expect(keys.length).to.equal(Object.keys(params).length - 1); // all but chainId
    for (const key of keys) {
      const future = contracts[key as keyof typeof contracts];
      expect(await future.getAddress(), key).to.equal(params[key]);
    }
    expect(contracts.aavePool.interface.getFunction("supply")).to.not.equal(null);
    expect(contracts.ethUsdFeed.interface.getFunction("latestRoundData")).to.not.equal(null);
  });
});
