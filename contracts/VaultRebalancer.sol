// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IBallastVault} from "./interfaces/IBallastVault.sol";
import {IAdapter, ILendingAdapter} from "./interfaces/IAdapter.sol";
import {IAavePoolMinimal} from "./interfaces/IAavePoolMinimal.sol";
import {VaultCore} from "./VaultCore.sol";
import {ConfigLib} from "./libraries/ConfigLib.sol";
import {PriceLib} from "./libraries/PriceLib.sol";
import {NavMath} from "./libraries/NavMath.sol";
import {RiskChecks} from "./libraries/RiskChecks.sol";
import {LossBudget} from "./libraries/LossBudget.sol";
import {PlanHashing} from "./libraries/PlanHashing.sol";
import {RebalanceLib} from "./libraries/RebalanceLib.sol";

/// @title VaultRebalancer
/// @notice `rebalance` of {BallastVault}: executes a KEEPER_SIGNER's EIP-712 plan through the
///         whitelisted adapters and enforces every bound of docs/plan-format.md §6 against the
///         oracle prices. Deployed on its own (the vault's creation code has no room left for it)
///         and run only by DELEGATECALL from a vault, so it works on that vault's storage,
///         balances, roles and transient re-entrancy lock; it inherits {VaultCore}, so the storage
///         layouts are identical. It holds no state and no privileges of its own, and it refuses
///         to run when called directly.
/// @dev One pass, no library calls (gas): the configuration comes from the NAV snapshot (one
///      EXTCODECOPY: feeds, bands, weights, net-delta bands, limits), the nonce, cooldown and loss
///      budget from one slot, and balances are read once before the actions (the NAV), once per
///      swap after it (input and output token) and once after all actions (the NAV again).
///      Invariants on success: nonce advanced by one; navAfter ≥ navBefore × (1 − maxLoss);
///      loss budget used ≤ its cap; every weight ≤ max(its max, its weight before the plan)
///      and within tolerance of the plan; every net delta within its band widened only to
///      include the net delta before the plan; leverage ≤ max; health factor ≥ min when in debt; in
///      defensive mode or shutdown, gross exposure and leverage did not rise.
contract VaultRebalancer is VaultCore {
    using SafeERC20 for IERC20;

    /// @notice Called other than by DELEGATECALL from a vault.
    error NotDelegated(address self);

    address private immutable _SELF;

    /// @dev Working state of one rebalance. Index `n` of `bal` is the base asset (its whole
    ///      balance, reserved assets included); `bal` is kept equal to the balances after every
    ///      action that moves them (a swap's input and output, a lending action's token).
    // solhint-disable-next-line gas-struct-packing
    struct Run {
        uint256[] w;
        uint256 n;
        address la;
        NavMath.Px[] pxs;
        uint256[] bal;
        uint256[] val;
        uint256[] debt;
        bool anyDebt;
        uint256 reserved;
        uint256 traded;
        uint256 slip;
        uint256 hot;
        uint256 limA;
        uint256 limB;
        RebalanceState st;
        bytes32 planHash;
        uint256 navBefore;
        uint256 grossBefore;
    }

    /// @dev Per-asset values and debt values before the actions (§6 step 2), for step 8.
    struct Before {
        uint256[] val;
        uint256[] debt;
    }

    /// @dev One swap's end tokens, their registry indices (`n` = base) and amount in.
    struct Leg {
        address tIn;
        address tOut;
        uint256 iIn;
        uint256 iOut;
        uint256 amountIn;
    }

    /// @param base_ The base asset of the vaults this rebalancer serves (immutable, read from code
    ///        under DELEGATECALL: a vault accepts only a rebalancer over its own base asset).
    constructor(IERC20Metadata base_) VaultCore(base_, "", "") {
        _SELF = address(this);
    }

    /// @notice Executes a signed rebalance plan (docs/plan-format.md §6). Only through a vault.
    /// @param plan The plan.
    /// @param signature The KEEPER_SIGNER's EIP-712 signature (65 bytes, or signer ‖ ERC-1271 signature).
    function rebalance(IBallastVault.Plan calldata plan, bytes calldata signature) external nonReentrant {
        if (address(this) == _SELF) revert NotDelegated(address(this));
        Run memory r = _begin(plan, signature);
        uint256 k = plan.actions.length;
        for (uint256 i; i < k; ++i) _execute(r, i, plan.actions[i]);
        _end(r, plan);
    }

    /// @dev §6 steps 1–2: pause, header and signature; prices (reverting naming a failed feed) and
    ///      the NAV before the actions.
    function _begin(
        IBallastVault.Plan calldata plan,
        bytes calldata signature
    ) private view returns (Run memory r) {
        uint256 h = _hotWord();
        if (ConfigLib.hasFlag(h, ConfigLib.F_PAUSED)) revert EnforcedPause();
        r.hot = h;
        r.w = PriceLib.loadFrom(address(uint160(h)), uint8(h >> ConfigLib.HOT_NAV_WORDS));
        r.n = PriceLib.assetCount(r.w);
        r.limA = PriceLib.limitsA(r.w);
        r.limB = PriceLib.limitsB(r.w);
        r.st = _rb;
        _checkHeader(plan, r.st, r.n, uint32(r.limA >> 208));
        r.planHash = PlanHashing.hashInternal(plan);
        address signer = PlanHashing.signerOfInternal(_hashTypedDataV4(r.planHash), signature);
        if (!hasRole(KEEPER_SIGNER_ROLE, signer)) revert InvalidSigner(signer);
        r.la = address(uint160(r.w[0]));
        r.pxs = PriceLib.prices(r.w);
        r.bal = new uint256[](r.n + 1);
        r.val = new uint256[](r.n);
        r.debt = new uint256[](r.n);
        r.reserved = ConfigLib.hasFlag(h, ConfigLib.F_RESERVED) ? _reserved : 0;
        r.navBefore = _measure(r);
        if (ConfigLib.hasFlag(h, ConfigLib.F_SHUT_OR_DEFENSIVE)) r.grossBefore = _gross(r); // shutdown or defensive
        uint256 maxSlip = uint16(r.limA >> 128);
        r.slip = plan.slippageBps < maxSlip ? plan.slippageBps : maxSlip;
    }

    /// @dev §6 steps 4–10 after the actions.
    function _end(Run memory r, IBallastVault.Plan calldata plan) private {
        // step 4: the NAV after, at the same prices; no reserved asset spent. The values before
        // are kept for step 8 (a bound the market had already broken may not be made worse).
        Before memory b0 = Before(r.val, r.debt);
        r.val = new uint256[](r.n);
        r.debt = new uint256[](r.n);
        uint256 navAfter = _measure(r);
        if (r.bal[r.n] < r.reserved) revert ReservedAssetsSpent(r.bal[r.n], r.reserved);
        // steps 4–6: loss per rebalance, cumulative loss budget, turnover
        (uint256 usedWad, uint256 turnoverBps, uint256 lossBps) = _checkLoss(r, navAfter);
        // step 7: redemptions (fees accrued first, so that redeemers pay them up to now)
        uint256 navFinal = navAfter;
        if (ConfigLib.hasFlag(r.hot, ConfigLib.F_PENDING)) {
            (uint256 f, ) = PriceLib.feesAndCap(r.w);
            _accrue(navAfter, false, f);
            navFinal -= _fulfil(navAfter, f);
        }
        // steps 8–9: positions on the final NAV; de-risking compared on the NAV before fulfilment
        uint256 grossAfter = _checkPositions(
            r,
            b0,
            plan.expectedWeightsBps,
            plan.weightToleranceBps,
            navFinal
        );
        if (ConfigLib.hasFlag(r.hot, ConfigLib.F_SHUT_OR_DEFENSIVE)) {
            RiskChecks.reducesExposure(
                r.grossBefore,
                grossAfter,
                RiskChecks.leverageBps(r.grossBefore, r.navBefore),
                RiskChecks.leverageBps(grossAfter, navAfter)
            );
        }
        // step 10
        RebalanceState memory st = r.st;
        _observe(
            st,
            NavMath.ppsWad(navFinal, totalSupply(), VIRTUAL_SHARES),
            uint16(r.limA >> 240),
            uint32(r.limB >> 128)
        );
        ++st.nextNonce;
        st.lastAt = uint40(block.timestamp);
        st.usedWad = uint64(usedWad);
        _rb = st;
        emit IBallastVault.Rebalanced(plan.nonce, r.planHash, r.navBefore, navAfter, turnoverBps, lossBps);
    }

    // ================================================================ internal

    /// @dev §6 step 1 (the pause is checked by the caller, the signature after this).
    function _checkHeader(
        IBallastVault.Plan calldata plan,
        RebalanceState memory st,
        uint256 n,
        uint256 cooldown
    ) private view {
        if (block.timestamp > plan.deadline) revert PlanExpired(plan.deadline, block.timestamp);
        if (plan.nonce != st.nextNonce) revert InvalidNonce(plan.nonce, st.nextNonce);
        if (st.lastAt != 0 && block.timestamp < st.lastAt + cooldown) {
            revert RebalanceCooldown(st.lastAt + cooldown, block.timestamp);
        }
        if (plan.expectedWeightsBps.length != n)
            revert WeightsLengthMismatch(plan.expectedWeightsBps.length, n);
    }

    /// @dev Reads every balance and the lending position into `r`; returns the NAV (§5):
    ///      idle base + collateral + Σ holdings (valued down) − Σ debts (valued up), floored at 0.
    function _measure(Run memory r) private view returns (uint256) {
        uint256 n = r.n;
        uint256 b = PriceLib.balanceOfThis(address(_BASE));
        r.bal[n] = b;
        uint256 pos = b > r.reserved ? b - r.reserved : 0;
        uint256 neg;
        address la = r.la;
        if (la != address(0)) pos += ILendingAdapter(la).collateralOf(address(_BASE));
        bool anyDebt;
        for (uint256 i; i < n; ++i) {
            address token = _token(r.w, i);
            b = PriceLib.balanceOfThis(token);
            r.bal[i] = b;
            uint256 v = NavMath.value(b, r.pxs[i]);
            r.val[i] = v;
            pos += v;
            if (la != address(0)) {
                uint256 d = ILendingAdapter(la).debtOf(token);
                if (d != 0) {
                    anyDebt = true;
                    d = NavMath.debtValue(d, r.pxs[i]);
                    r.debt[i] = d;
                    neg += d;
                } else {
                    r.debt[i] = 0;
                }
            }
        }
        r.anyDebt = anyDebt;
        return pos > neg ? pos - neg : 0;
    }

    /// @dev Σ (holdings value + debt value) as last measured.
    function _gross(Run memory r) private pure returns (uint256 g) {
        uint256 n = r.n;
        for (uint256 i; i < n; ++i) g += r.val[i] + r.debt[i];
    }

    /// @dev Token of asset `i` in the snapshot `w`.
    function _token(uint256[] memory w, uint256 i) private pure returns (address) {
        return address(uint160(w[4 + 3 * i]));
    }

    /// @dev Registry index of `token` (`n` for the base asset), or InvalidAction(k, token).
    function _indexOf(Run memory r, uint256 k, address token) private view returns (uint256) {
        if (token == address(_BASE)) return r.n;
        uint256 n = r.n;
        for (uint256 i; i < n; ++i) if (_token(r.w, i) == token) return i;
        revert RebalanceLib.InvalidAction(k, token);
    }

    /// @dev An action may buy (or borrow) only an enabled asset; the base is always allowed.
    function _checkEnabled(Run memory r, uint256 k, uint256 idx, address token) private pure {
        if (idx != r.n && (r.w[5 + 3 * idx] >> 200) & 1 == 0) revert RebalanceLib.InvalidAction(k, token);
    }

    /// @dev Base-unit value of `amount` of asset `idx` (the base counts 1:1), rounded down.
    function _valueOf(Run memory r, uint256 idx, uint256 amount) private pure returns (uint256) {
        return idx == r.n ? amount : NavMath.value(amount, r.pxs[idx]);
    }

    /// @dev Executes action `k` (§3) through its whitelisted adapter.
    function _execute(Run memory r, uint256 k, IBallastVault.Action calldata a) private {
        IBallastVault.AdapterConfig memory ad = _cfg.adapters[a.adapterId];
        if (ad.adapter == address(0)) revert RebalanceLib.UnknownAdapter(a.adapterId);
        if (ad.kind == ConfigLib.KIND_SWAP) _swap(r, k, ad.adapter, a.data);
        else _lend(r, k, ad.adapter, a.data);
    }

    /// @dev A swap: `data = abi.encode(bytes path, uint256 amountIn, uint256 minOut)`. The vault
    ///      transfers exactly `amountIn` of the path's first token to the adapter (no approval),
    ///      measures what it spent and received, and checks the received oracle value against the
    ///      spent one within the slippage bound.
    function _swap(Run memory r, uint256 k, address ad, bytes calldata d) private {
        Leg memory g = _parseSwap(r, k, d);
        uint256 in0 = r.bal[g.iIn];
        uint256 out0 = r.bal[g.iOut];
        IERC20(g.tIn).safeTransfer(ad, g.amountIn);
        IAdapter(ad).execute(d);
        uint256 in1 = PriceLib.balanceOfThis(g.tIn);
        uint256 out1 = PriceLib.balanceOfThis(g.tOut);
        r.bal[g.iIn] = in1;
        r.bal[g.iOut] = out1;
        uint256 spent = in0 > in1 ? in0 - in1 : 0;
        if (spent > g.amountIn) revert RebalanceLib.SwapSpentTooMuch(k, spent, g.amountIn);
        uint256 inValue = _valueOf(r, g.iIn, spent);
        RiskChecks.slippage(k, inValue, _valueOf(r, g.iOut, out1 > out0 ? out1 - out0 : 0), r.slip);
        r.traded += inValue;
    }

    /// @dev The swap's amount and end tokens (path = tokenIn ‖ (fee ‖ token)+, §3); the input may
    ///      be any registered asset or the base, the output an enabled asset or the base.
    function _parseSwap(Run memory r, uint256 k, bytes calldata d) private view returns (Leg memory g) {
        g.amountIn = uint256(bytes32(d[32:64]));
        uint256 off = uint256(bytes32(d[0:32]));
        uint256 len = uint256(bytes32(d[off:off + 32]));
        if (len < 43 || (len - 20) % 23 != 0 || g.amountIn == 0)
            revert RebalanceLib.InvalidAction(k, address(0));
        g.tIn = address(bytes20(d[off + 32:off + 52]));
        g.tOut = address(bytes20(d[off + 12 + len:off + 32 + len]));
        if (g.tIn == g.tOut) revert RebalanceLib.InvalidAction(k, g.tIn);
        g.iIn = _indexOf(r, k, g.tIn);
        g.iOut = _indexOf(r, k, g.tOut);
        _checkEnabled(r, k, g.iOut, g.tOut);
    }

    /// @dev A lending action: `data = abi.encode(uint8 op, address token, uint256 amount)`, op 1
    ///      SUPPLY / 2 WITHDRAW the base, 3 BORROW / 4 REPAY a registered asset (BORROW only an
    ///      enabled one). SUPPLY and REPAY transfer exactly `amount` to the adapter first. Not
    ///      value-checked one by one: the aggregate checks bind them.
    function _lend(Run memory r, uint256 k, address ad, bytes calldata d) private {
        (uint8 op, address token, uint256 amount) = abi.decode(d, (uint8, address, uint256));
        uint256 idx;
        if (op == 1 || op == 2) {
            if (token != address(_BASE)) revert RebalanceLib.InvalidAction(k, token);
            idx = r.n;
        } else if (op == 3 || op == 4) {
            if (token == address(_BASE)) revert RebalanceLib.InvalidAction(k, token);
            idx = _indexOf(r, k, token);
            if (op == 3) _checkEnabled(r, k, idx, token);
        } else {
            revert RebalanceLib.InvalidAction(k, token);
        }
        if (op == 1 || op == 4) IERC20(token).safeTransfer(ad, amount);
        IAdapter(ad).execute(d);
        r.bal[idx] = PriceLib.balanceOfThis(token);
    }

    /// @dev §6 steps 4–6: loss per rebalance, the cumulative loss budget (returns the new used
    ///      budget), turnover.
    function _checkLoss(
        Run memory r,
        uint256 navAfter
    ) private view returns (uint256 usedWad, uint256 turnoverBps, uint256 lossBps) {
        uint256 navBefore = r.navBefore;
        uint256 la = r.limA;
        uint256 loss = navBefore > navAfter ? navBefore - navAfter : 0;
        RiskChecks.lossPerRebalance(navBefore, navAfter, uint16(la >> 144));
        uint256 lossWad = navBefore == 0 ? 0 : Math.mulDiv(loss, WAD, navBefore, Math.Rounding.Ceil);
        usedWad = LossBudget.consume(
            r.st.usedWad,
            r.st.lastAt,
            lossWad,
            uint256(uint16(la >> 160)) * 1e14,
            uint32(la >> 176)
        );
        lossBps = NavMath.bpsUp(loss, navBefore);
        turnoverBps = NavMath.bpsDown(r.traded, navBefore);
        RiskChecks.turnover(turnoverBps, uint32(r.limB));
    }

    /// @dev §6 step 8 for asset `i`: weight (max, then the plan's expectation) and net delta on
    ///      `nav`; returns its gross exposure (value + debt value).
    function _checkAsset(
        Run memory r,
        Before memory b0,
        uint256 i,
        uint256 expected,
        uint256 tol,
        uint256 nav
    ) private pure returns (uint256) {
        uint256 v = r.val[i];
        uint256 maxW = uint16(r.w[5 + 3 * i] >> 208);
        uint256 w = RiskChecks.weightBps(i, v, nav, maxW);
        if (w > maxW) RiskChecks.aboveMaxWeight(i, w, maxW, b0.val[i], r.navBefore);
        RiskChecks.weightOnTarget(i, w, expected, tol);
        if (nav != 0) _checkNetDelta(r, b0, i, nav);
        return v + r.debt[i];
    }

    /// @dev §6 step 8: asset `i`'s net delta on `nav` within its band (or, if the band was already
    ///      broken before the plan, no further out on that side).
    function _checkNetDelta(Run memory r, Before memory b0, uint256 i, uint256 nav) private pure {
        uint256 word = r.w[5 + 3 * i];
        int256 lo = int16(uint16(word >> 224));
        int256 hi = int16(uint16(word >> 240));
        int256 nd = RiskChecks.netDeltaBps(r.val[i], r.debt[i], nav);
        if (nd < lo || nd > hi) {
            int256 nd0 = RiskChecks.netDeltaBps(b0.val[i], b0.debt[i], r.navBefore);
            RiskChecks.outsideNetDeltaBand(i, nd, lo, hi, nd0);
        }
    }

    /// @dev §6 step 8 on the last measurement: weights, net deltas, leverage, health factor.
    ///      Returns the gross exposure. `b0` (values before the actions, on `r.navBefore`) only
    ///      matters for an asset whose weight or net delta is out of bounds after the plan.
    function _checkPositions(
        Run memory r,
        Before memory b0,
        uint16[] calldata expected,
        uint256 tol,
        uint256 nav
    ) private view returns (uint256 gross) {
        uint256 n = r.n;
        for (uint256 i; i < n; ++i) gross += _checkAsset(r, b0, i, expected[i], tol, nav);
        RiskChecks.leverage(gross, nav, uint32(r.limB >> 32));
        if (r.anyDebt) {
            address la = r.la;
            (, , , , , uint256 hf) = IAavePoolMinimal(ILendingAdapter(la).pool()).getUserAccountData(la);
            RiskChecks.healthFactor(hf, uint64(r.limB >> 64));
        }
    }
}
