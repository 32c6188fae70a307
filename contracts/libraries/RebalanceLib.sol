// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable gas-strict-inequalities, gas-calldata-parameters, gas-small-strings, gas-indexed-events
// (gas style hints: strict inequalities would change the documented bounds, memory/struct
// parameters are shared with internal callers, and the EIP-712 type strings must stay verbatim.)

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IBallastVault} from "../interfaces/IBallastVault.sol";
import {IAdapter, ILendingAdapter} from "../interfaces/IAdapter.sol";
import {IAavePoolMinimal} from "../interfaces/IAavePoolMinimal.sol";
import {ConfigLib} from "./ConfigLib.sol";
import {PriceLib} from "./PriceLib.sol";
import {NavMath} from "./NavMath.sol";
import {LossBudget} from "./LossBudget.sol";
import {RiskChecks} from "./RiskChecks.sol";

/// @title RebalanceLib
/// @notice Action execution and post-trade checks of a rebalance (docs/plan-format.md §3, §6).
///         External (linked) library run by DELEGATECALL on the vault's storage, so that the
///         vault stays under the 24 KiB code-size limit.
library RebalanceLib {
    using SafeERC20 for IERC20;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BASE_INDEX = type(uint256).max;

    /// @notice No adapter is whitelisted under `id`.
    error UnknownAdapter(uint8 id);
    /// @notice Action `index` is malformed or names a token the vault may not trade.
    error InvalidAction(uint256 index, address token);
    /// @notice Swap `index` took more than its amountIn.
    error SwapSpentTooMuch(uint256 index, uint256 spent, uint256 amountIn);

    struct SwapLeg {
        IERC20 tIn;
        IERC20 tOut;
        uint256 iIn;
        uint256 iOut;
        uint256 amountIn;
    }

    /// @notice Executes action `k`; returns the oracle value of a swap's input (0 for lending).
    function executeAction(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 k,
        IBallastVault.Action calldata a,
        NavMath.Px[] memory pxs,
        uint256 slip
    ) external returns (uint256 inValue) {
        IBallastVault.AdapterConfig memory ad = cfg.adapters[a.adapterId];
        if (ad.adapter == address(0)) revert UnknownAdapter(a.adapterId);
        if (ad.kind == ConfigLib.KIND_SWAP) return _swap(cfg, base, k, ad.adapter, a.data, pxs, slip);
        _lend(cfg, base, k, ad.adapter, a.data);
        return 0;
    }

    /// @notice In-kind exit: pays `receiver` floor(balance × shares / supply) of the idle base and
    ///         of every registered asset. Reverts while the lending adapter holds a position.
    function payInKind(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 idle,
        uint256 shares,
        uint256 supply,
        address receiver
    ) external {
        address la = cfg.lendingAdapter;
        if (la != address(0)) {
            uint256 coll = ILendingAdapter(la).collateralOf(base);
            uint256 debt = ConfigLib.lendingDebtAmount(cfg);
            if (coll != 0 || debt != 0) revert ConfigLib.LendingPositionOpen(coll, debt);
        }
        uint256 amt = Math.mulDiv(idle, shares, supply);
        if (amt != 0) IERC20(base).safeTransfer(receiver, amt);
        uint256 n = cfg.assets.length;
        for (uint256 i; i < n; ++i) {
            IERC20 t = IERC20(cfg.assets[i].token);
            amt = Math.mulDiv(t.balanceOf(address(this)), shares, supply);
            if (amt != 0) t.safeTransfer(receiver, amt);
        }
    }

    /// @notice Per-rebalance loss, cumulative loss budget and turnover (§6 steps 4–6).
    function checkLossAndTurnover(
        LossBudget.State storage budget,
        IBallastVault.Limits memory lim,
        uint256 navBefore,
        uint256 navAfter,
        uint256 traded
    ) external returns (uint256 turnoverBps, uint256 lossBps) {
        uint256 loss = navBefore > navAfter ? navBefore - navAfter : 0;
        RiskChecks.lossPerRebalance(navBefore, navAfter, lim.maxLossPerRebalanceBps);
        uint256 lossWad = navBefore == 0 ? 0 : Math.mulDiv(loss, WAD, navBefore, Math.Rounding.Ceil);
        LossBudget.consume(budget, lossWad, uint256(lim.lossBudgetBps) * 1e14, lim.lossWindow);
        lossBps = NavMath.bpsUp(loss, navBefore);
        turnoverBps = NavMath.bpsDown(traded, navBefore);
        RiskChecks.turnover(turnoverBps, lim.maxTurnoverBps);
    }

    /// @notice Weights, net deltas, leverage and health factor on the post state (§6 step 8).
    function checkPositions(
        ConfigLib.Layout storage cfg,
        uint16[] calldata expected,
        uint256 tol,
        NavMath.Px[] memory pxs,
        uint256 nav
    ) external view returns (uint256 gross_, uint256 lev) {
        uint256 n = pxs.length;
        bool anyDebt;
        uint256[] memory w = PriceLib.load(cfg);
        for (uint256 i; i < n; ++i) {
            (uint256 g, bool hasDebt) = _checkAsset(w, i, expected[i], tol, pxs[i], nav);
            gross_ += g;
            anyDebt = anyDebt || hasDebt;
        }
        lev = RiskChecks.leverage(gross_, nav, cfg.limits.maxLeverageBps);
        if (anyDebt) {
            address la = cfg.lendingAdapter;
            (, , , , , uint256 hf) = IAavePoolMinimal(ILendingAdapter(la).pool()).getUserAccountData(la);
            RiskChecks.healthFactor(hf, cfg.limits.minHealthFactor);
        }
    }

    /// @notice Σ (holdings value + debt value) over the registry, base units.
    function gross(ConfigLib.Layout storage cfg, NavMath.Px[] memory pxs) external view returns (uint256 g) {
        uint256 n = pxs.length;
        uint256[] memory w = PriceLib.load(cfg);
        for (uint256 i; i < n; ++i) {
            address token = address(uint160(w[4 + 3 * i]));
            g += NavMath.value(IERC20(token).balanceOf(address(this)), pxs[i]);
            g += NavMath.debtValue(_debtOf(cfg, token), pxs[i]);
        }
    }

    /// @dev Bounds of asset `i` from the NAV snapshot `w` (layout in {ConfigLib.snapshot}).
    function _checkAsset(
        uint256[] memory w,
        uint256 i,
        uint256 expected,
        uint256 tol,
        NavMath.Px memory px,
        uint256 nav
    ) private view returns (uint256, bool) {
        address token = address(uint160(w[4 + 3 * i]));
        uint256 v = NavMath.value(IERC20(token).balanceOf(address(this)), px);
        RiskChecks.weight(i, v, nav, uint16(w[5 + 3 * i] >> 208), expected, tol);
        address la = address(uint160(w[0]));
        uint256 debt = la == address(0) ? 0 : ILendingAdapter(la).debtOf(token);
        uint256 b = NavMath.debtValue(debt, px);
        if (nav != 0) {
            uint256 word = w[5 + 3 * i];
            RiskChecks.netDelta(i, v, b, nav, int16(uint16(word >> 224)), int16(uint16(word >> 240)));
        }
        return (v + b, debt != 0);
    }

    function _debtOf(ConfigLib.Layout storage cfg, address token) private view returns (uint256) {
        address la = cfg.lendingAdapter;
        return la == address(0) ? 0 : ILendingAdapter(la).debtOf(token);
    }

    function _indexOf(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 k,
        address token
    ) private view returns (uint256) {
        if (token == base) return BASE_INDEX;
        uint256 idx = cfg.assetIndex[token];
        if (idx == 0) revert InvalidAction(k, token);
        return idx - 1;
    }

    function _valueOf(uint256 idx, uint256 amount, NavMath.Px[] memory pxs) private pure returns (uint256) {
        return idx == BASE_INDEX ? amount : NavMath.value(amount, pxs[idx]);
    }

    function _checkEnabled(ConfigLib.Layout storage cfg, uint256 k, uint256 idx, address token) private view {
        if (idx != BASE_INDEX && !cfg.assets[idx].enabled) revert InvalidAction(k, token);
    }

    function _parseSwap(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 k,
        bytes calldata d
    ) private view returns (SwapLeg memory w) {
        w.amountIn = uint256(bytes32(d[32:64]));
        uint256 off = uint256(bytes32(d[0:32]));
        uint256 len = uint256(bytes32(d[off:off + 32]));
        if (len < 43 || (len - 20) % 23 != 0 || w.amountIn == 0) revert InvalidAction(k, address(0));
        w.tIn = IERC20(address(bytes20(d[off + 32:off + 52])));
        w.tOut = IERC20(address(bytes20(d[off + 12 + len:off + 32 + len])));
        if (w.tIn == w.tOut) revert InvalidAction(k, address(w.tIn));
        w.iIn = _indexOf(cfg, base, k, address(w.tIn));
        w.iOut = _indexOf(cfg, base, k, address(w.tOut));
        _checkEnabled(cfg, k, w.iOut, address(w.tOut));
    }

    function _swap(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 k,
        address ad,
        bytes calldata d,
        NavMath.Px[] memory pxs,
        uint256 slip
    ) private returns (uint256 inValue) {
        SwapLeg memory w = _parseSwap(cfg, base, k, d);
        uint256 in0 = w.tIn.balanceOf(address(this));
        uint256 out0 = w.tOut.balanceOf(address(this));
        // transfer, not approve: the adapter swaps exactly what it holds and returns any rest
        w.tIn.safeTransfer(ad, w.amountIn);
        IAdapter(ad).execute(d);
        uint256 in1 = w.tIn.balanceOf(address(this));
        uint256 out1 = w.tOut.balanceOf(address(this));
        uint256 spent = in0 > in1 ? in0 - in1 : 0;
        if (spent > w.amountIn) revert SwapSpentTooMuch(k, spent, w.amountIn);
        inValue = _valueOf(w.iIn, spent, pxs);
        RiskChecks.slippage(k, inValue, _valueOf(w.iOut, out1 > out0 ? out1 - out0 : 0, pxs), slip);
    }

    function _lend(
        ConfigLib.Layout storage cfg,
        address base,
        uint256 k,
        address ad,
        bytes calldata d
    ) private {
        (uint8 op, address token, uint256 amount) = abi.decode(d, (uint8, address, uint256));
        bool isBase = token == base;
        if (op == 1 || op == 2) {
            if (!isBase) revert InvalidAction(k, token);
        } else if (op == 3 || op == 4) {
            uint256 idx = _indexOf(cfg, base, k, token);
            if (isBase) revert InvalidAction(k, token);
            if (op == 3) _checkEnabled(cfg, k, idx, token);
        } else {
            revert InvalidAction(k, token);
        }
        // SUPPLY and REPAY: the vault transfers exactly `amount` (no approval); the adapter spends
        // it and returns any rest
        if (op == 1 || op == 4) IERC20(token).safeTransfer(ad, amount);
        IAdapter(ad).execute(d);
    }
}
