// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {VaultCore} from "./VaultCore.sol";
import {VaultConfig} from "./VaultConfig.sol";
import {PriceLib} from "./libraries/PriceLib.sol";
import {RebalanceLib} from "./libraries/RebalanceLib.sol";
import {NavMath} from "./libraries/NavMath.sol";
import {RiskChecks} from "./libraries/RiskChecks.sol";
import {PlanHashing} from "./libraries/PlanHashing.sol";

/// @title VaultModule
/// @notice The cold entry points of one {BallastVault}, split out of the vault to keep it under
///         the EIP-170 code-size limit: `rebalance`, the configuration entry points
///         ({VaultConfig}), pause/unpause, shutdown, the in-kind exit and the circuit breaker's
///         `performUpkeep`/`exitDefensiveMode`. The vault deploys it in its constructor and
///         forwards these calls to it by DELEGATECALL, so it runs on the vault's storage, balances,
///         roles and transient re-entrancy lock exactly like code of the vault itself (both
///         inherit {VaultCore}, so the storage layouts are identical). `rebalance` called directly
///         reverts; the other entry points called directly only touch the module's own, empty
///         storage (no roles are ever granted there).
contract VaultModule is VaultConfig {
    /// @notice The vault this module serves (its deployer).
    address public immutable VAULT;

    /// @notice Called other than by DELEGATECALL from {VAULT}.
    error NotDelegated(address self);

    struct Ctx {
        NavMath.Px[] pxs;
        uint256 navBefore;
        uint256 navAfter;
        uint256 traded;
        uint256 slip;
        uint256 grossBefore;
        uint256 levBefore;
        uint256 turnoverBps;
        uint256 lossBps;
        bool derisk;
        uint256 fees;
    }

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
        if (!_cfg.hot.shutdown) revert NotShutDown();
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
        _cfg.hot.paused = true;
        emit Paused(_msgSender());
    }

    /// @notice Lifts the pause. GUARDIAN only.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _cfg.hot.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @notice Shuts the vault down for good: deposits stop, plans may only de-risk, in-kind exit opens.
    function shutDown() external onlyRole(GUARDIAN_ROLE) {
        _cfg.hot.shutdown = true;
        emit IBallastVault.ShutDown(_msgSender());
    }

    /// @notice Lifts defensive mode and resets the circuit breaker's reference. Admin (timelock) only.
    function exitDefensiveMode() external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 pps = _ppsNow();
        _cfg.hot.defensive = false;
        _cbRef = uint128(pps);
        _cbRefAt = uint64(block.timestamp);
        emit IBallastVault.DefensiveModeExited(pps);
    }

    /// @notice Observes the price per share: trips the breaker or rolls its reference. Anyone may call.
    function performUpkeep(bytes calldata) external nonReentrant {
        _observe(_ppsNow());
    }

    /// @notice Executes a signed rebalance plan (docs/plan-format.md §6). Only through the vault.
    /// @param plan The plan.
    /// @param signature The KEEPER_SIGNER's EIP-712 signature.
    function rebalance(IBallastVault.Plan calldata plan, bytes calldata signature) external nonReentrant {
        if (address(this) != VAULT) revert NotDelegated(address(this));
        if (_cfg.hot.paused) revert EnforcedPause();
        _checkHeader(plan);
        bytes32 planHash = PlanHashing.hash(plan);
        _checkSigner(_hashTypedDataV4(planHash), signature);
        Ctx memory c = _runActions(plan);
        _finish(plan, c);
        _nextNonce = plan.nonce + 1;
        lastRebalanceAt = block.timestamp;
        emit IBallastVault.Rebalanced(
            plan.nonce,
            planHash,
            c.navBefore,
            c.navAfter,
            c.turnoverBps,
            c.lossBps
        );
    }

    // ================================================================ internal: rebalance

    function _checkHeader(IBallastVault.Plan calldata plan) internal view {
        if (block.timestamp > plan.deadline) revert PlanExpired(plan.deadline, block.timestamp);
        if (plan.nonce != _nextNonce) revert InvalidNonce(plan.nonce, _nextNonce);
        uint256 last = lastRebalanceAt;
        if (last != 0 && block.timestamp < last + _cfg.limits.rebalanceCooldown) {
            revert RebalanceCooldown(last + _cfg.limits.rebalanceCooldown, block.timestamp);
        }
        if (plan.expectedWeightsBps.length != _cfg.assets.length) {
            revert WeightsLengthMismatch(plan.expectedWeightsBps.length, _cfg.assets.length);
        }
    }

    function _checkSigner(bytes32 digest, bytes calldata sig) internal view {
        address signer = PlanHashing.signerOf(digest, sig);
        if (!hasRole(KEEPER_SIGNER_ROLE, signer)) revert InvalidSigner(signer);
    }

    /// @dev Registry index of `token` (type(uint256).max for the base); reverts if unknown.

    function _runActions(IBallastVault.Plan calldata plan) internal returns (Ctx memory c) {
        // one NAV call yields both the conversion factors and navBefore (reverts naming a failed feed)
        (, c.navBefore, c.pxs) = PriceLib.nav(_cfg, address(_BASE), _reservedNow(), true);
        (c.fees, ) = PriceLib.feesAndCap(PriceLib.load(_cfg));
        _accrue(c.navBefore, false, c.fees);
        c.derisk = _cfg.hot.defensive || _cfg.hot.shutdown;
        if (c.derisk) {
            c.grossBefore = RebalanceLib.gross(_cfg, c.pxs);
            c.levBefore = RiskChecks.leverageBps(c.grossBefore, c.navBefore);
        }
        c.slip = Math.min(plan.slippageBps, _cfg.limits.maxSlippageBps);
        uint256 n = plan.actions.length;
        for (uint256 k; k < n; ++k) {
            c.traded += RebalanceLib.executeAction(_cfg, address(_BASE), k, plan.actions[k], c.pxs, c.slip);
        }
        uint256 bal = _BASE.balanceOf(address(this));
        uint256 reserved = _reservedNow();
        if (bal < reserved) revert ReservedAssetsSpent(bal, reserved);
        c.navAfter = _navWith(c.pxs);
    }

    function _finish(IBallastVault.Plan calldata plan, Ctx memory c) internal {
        (c.turnoverBps, c.lossBps) = RebalanceLib.checkLossAndTurnover(
            _budget,
            _cfg.limits,
            c.navBefore,
            c.navAfter,
            c.traded
        );
        uint256 navFinal = c.navAfter - _fulfil(c.navAfter, c.fees);
        (uint256 grossAfter, ) = RebalanceLib.checkPositions(
            _cfg,
            plan.expectedWeightsBps,
            plan.weightToleranceBps,
            c.pxs,
            navFinal
        );
        // Defensive/shutdown: compare the plan's own effect. Leverage after is taken on navAfter
        // (before the fulfilment above): redemptions shrink the NAV and must not block de-risking.
        if (c.derisk) {
            RiskChecks.reducesExposure(
                c.grossBefore,
                grossAfter,
                c.levBefore,
                RiskChecks.leverageBps(grossAfter, c.navAfter)
            );
        }
        _observe(NavMath.ppsWad(navFinal, totalSupply(), VIRTUAL_SHARES));
    }
}
