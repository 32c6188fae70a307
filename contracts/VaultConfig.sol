// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {VaultCore} from "./VaultCore.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";

/// @title VaultConfig
/// @notice Configuration entry points of the Ballast vault (MetaMorpho-style):
///         CURATOR tightens instantly and queues any loosening behind `curatorTimelock`;
///         GUARDIAN tightens instantly and revokes queued loosenings; DEFAULT_ADMIN (a
///         TimelockController) grants roles and sets the timelock. The logic is in {ConfigLib}. Part of
///         {VaultModule}: the vault forwards these calls to it by DELEGATECALL. Every change holds
///         the vault's re-entrancy lock, so none can happen inside a vault call (e.g. from a
///         token's hook during a rebalance).
abstract contract VaultConfig is VaultCore {
    /// @notice Sets the curator timelock (admin only; the admin is itself a TimelockController).
    /// @param timelock_ New delay, seconds.
    function setCuratorTimelock(uint256 timelock_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _cfg.curatorTimelock = timelock_;
    }

    /// @notice Tightening applies at once (CURATOR or GUARDIAN) and cancels a queued limits change
    ///         (accepting it would undo the tightening); a loosening by the CURATOR is queued.
    /// @param n The complete new limits.
    function submitLimits(IBallastVault.Limits calldata n) external nonReentrant {
        ConfigLib.submitLimits(_cfg, n, _caller());
    }

    /// @notice Applies the queued limits once their timelock has elapsed. Anyone may call.
    function acceptLimits() external nonReentrant {
        ConfigLib.acceptLimits(_cfg);
    }

    /// @notice Queues a fee change (CURATOR; every fee change waits the timelock).
    /// @param n The complete new fee configuration.
    function submitFees(IBallastVault.FeeConfig calldata n) external nonReentrant {
        ConfigLib.submitFees(_cfg, n, _caller());
    }

    /// @notice Applies the queued fees once their timelock has elapsed (fees accrue first). Anyone may call.
    function acceptFees() external nonReentrant {
        _beforeFeeChange();
        ConfigLib.acceptFees(_cfg);
    }

    /// @notice Configures asset `index` (index == count adds one). Tightening an existing asset
    ///         is instant (CURATOR or GUARDIAN) and cancels a queued change of that asset;
    ///         anything else is queued (CURATOR).
    /// @param index Registry index.
    /// @param n The complete new configuration.
    function submitAsset(uint256 index, IBallastVault.AssetConfig calldata n) external nonReentrant {
        ConfigLib.submitAsset(_cfg, _baseToken(), index, n, _caller());
    }

    /// @notice Applies the queued change of asset `index` once its timelock has elapsed. Anyone may call.
    ///         While deposits are open (not paused, shut down or defensive), the change may move the
    ///         NAV by at most the round-trip fee (entry + exit bps), no more than a feed update the
    ///         fees are sized against: a larger re-pricing (a feed switch between feeds that disagree,
    ///         a new asset the vault already holds) would let anyone deposit before it and redeem after
    ///         it, in one transaction, at the other holders' expense. Such a change is accepted while
    ///         GUARDIAN has paused deposits. When the NAV before or after cannot be computed (a feed
    ///         fails), no deposit can precede the change or no full-NAV redemption follow it, and the
    ///         change is accepted.
    /// @param index Registry index.
    function acceptAsset(uint256 index) external nonReentrant {
        (bool ok, uint256 navBefore, uint256 f) = _tryNav();
        ConfigLib.acceptAsset(_cfg, index);
        if (!ok || ConfigLib.hasFlag(_hotWord(), ConfigLib.F_CLOSED)) return;
        (bool okAfter, uint256 navAfter, ) = _tryNav();
        if (!okAfter) return;
        uint256 maxMoveBps = _entryFee(f) + _exitFee(f);
        uint256 move = navAfter > navBefore ? navAfter - navBefore : navBefore - navAfter;
        if (move * BPS > navBefore * maxMoveBps)
            revert AssetChangeMovesNav(index, navBefore, navAfter, maxMoveBps);
    }

    /// @notice Queues adapter `id` (CURATOR). Removing (adapter = 0) is instant for CURATOR or
    ///         GUARDIAN and cancels an adapter queued for the same id; a lending adapter can only be
    ///         removed without an open position.
    /// @param id Adapter id (1..255).
    /// @param adapter_ Adapter address, 0 to remove.
    /// @param kind 1 = swap, 2 = lending.
    function submitAdapter(uint8 id, address adapter_, uint8 kind) external nonReentrant {
        ConfigLib.submitAdapter(_cfg, _baseToken(), id, adapter_, kind, _caller());
    }

    /// @notice Applies queued adapter `id` once its timelock has elapsed. Anyone may call.
    /// @param id Adapter id.
    function acceptAdapter(uint8 id) external nonReentrant {
        ConfigLib.acceptAdapter(_cfg, id);
    }

    /// @notice Revokes a queued change (GUARDIAN or CURATOR). `what`: 1 limits, 2 fees, 3 asset, 4 adapter.
    /// @param what Kind of change.
    /// @param key Asset index or adapter id (ignored for limits and fees).
    function revokePending(uint8 what, uint256 key) external nonReentrant {
        ConfigLib.revokePending(_cfg, what, key, _caller());
    }

    function _caller() internal view returns (ConfigLib.Caller memory) {
        return
            ConfigLib.Caller(
                msg.sender,
                hasRole(CURATOR_ROLE, msg.sender),
                hasRole(GUARDIAN_ROLE, msg.sender)
            );
    }
}
