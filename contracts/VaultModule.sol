// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {VaultCore} from "./VaultCore.sol";
import {VaultConfig} from "./VaultConfig.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";
import {RebalanceLib} from "./libraries/RebalanceLib.sol";

/// @title VaultModule
/// @notice The cold entry points of one {BallastVault}, split out of the vault to keep it under
///         the EIP-170 code-size limit: the configuration entry points ({VaultConfig}),
///         pause/unpause, shutdown, the in-kind exit and the circuit breaker's
///         `performUpkeep`/`exitDefensiveMode` (`rebalance` is in {VaultRebalancer}). The vault
///         deploys it in its constructor and forwards these calls to it by DELEGATECALL, so it runs
///         on the vault's storage, balances, roles and transient re-entrancy lock exactly like code
///         of the vault itself (both inherit {VaultCore}, so the storage layouts are identical).
///         Called directly, its entry points only touch the module's own, empty storage (no roles
///         are ever granted there).
contract VaultModule is VaultConfig {
    using ConfigLib for ConfigLib.Hot;

    /// @notice The vault this module serves (its deployer).
    address public immutable VAULT;

    /// @param base_ The vault's base asset (immutable, read from code under DELEGATECALL).
    constructor(IERC20Metadata base_) VaultCore(base_, "", "") {
        VAULT = msg.sender;
    }

    /// @notice Only possible after shutdown (same selector as {BallastVault.NotShutDown}).
    error NotShutDown();
    /// @notice Zero shares (same selector as {BallastVault.ZeroShares}).
    error ZeroShares();

    /// @notice During shutdown: burns `shares` of `owner` and pays `receiver` a pro-rata share of every token.
    /// @param shares Shares to burn.
    /// @param receiver Who receives the tokens.
    /// @param owner Whose shares (allowance needed if not the caller).
    function exitInKind(uint256 shares, address receiver, address owner) external nonReentrant {
        if (!_cfg.hot.has(ConfigLib.F_SHUTDOWN)) revert NotShutDown();
        if (shares == 0) revert ZeroShares();
        if (_msgSender() != owner) _spendAllowance(owner, _msgSender(), shares);
        uint256 supply = totalSupply();
        uint256 idle = _idle();
        _burn(owner, shares);
        RebalanceLib.payInKind(_cfg, address(_BASE), idle, shares, supply, receiver);
        emit IBallastVault.ExitedInKind(owner, receiver, shares);
    }

    /// @notice Pauses deposits and rebalances (withdrawals stay open). GUARDIAN only.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _cfg.hot.setFlag(ConfigLib.F_PAUSED, true);
        emit Paused(_msgSender());
    }

    /// @notice Lifts the pause. GUARDIAN only.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _cfg.hot.setFlag(ConfigLib.F_PAUSED, false);
        emit Unpaused(_msgSender());
    }

    /// @notice Shuts the vault down for good: deposits stop, plans may only de-risk, in-kind exit opens.
    function shutDown() external onlyRole(GUARDIAN_ROLE) {
        _cfg.hot.setFlag(ConfigLib.F_SHUTDOWN, true);
        emit IBallastVault.ShutDown(_msgSender());
    }

    /// @notice Lifts defensive mode and resets the circuit breaker's reference. Admin (timelock) only.
    function exitDefensiveMode() external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 pps = _ppsNow();
        _cfg.hot.setFlag(ConfigLib.F_DEFENSIVE, false);
        RebalanceState memory st = _rb;
        st.cbRef = _refOf(pps);
        st.cbRefAt = uint40(block.timestamp);
        _rb = st;
        emit IBallastVault.DefensiveModeExited(pps);
    }

    /// @notice Observes the price per share: trips the breaker or rolls its reference. Anyone may call.
    function performUpkeep(bytes calldata) external nonReentrant {
        IBallastVault.Limits storage lim = _cfg.limits;
        RebalanceState memory st = _rb;
        _observe(st, _ppsNow(), lim.circuitBreakerDropBps, lim.circuitBreakerWindow);
        _rb = st;
    }
}
